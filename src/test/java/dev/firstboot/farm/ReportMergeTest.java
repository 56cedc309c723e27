package dev.firstboot.farm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code firstboot report merge}: several hosts' farm reports as one, and the inputs it refuses. */
class ReportMergeTest {
    @TempDir
    Path dir;

    /** A farm report as a host writes it: boards, each with boots of one timed scenario, and their Allure results. */
    private Path host(String name, String runId, String host, List<String> boards, double base) throws Exception {
        Path out = Files.createDirectories(dir.resolve(name));
        List<FarmReport.ReportedBoard> states = new ArrayList<>();
        List<ScenarioRun> runs = new ArrayList<>();
        for (String b : boards) {
            FarmReport.ReportedBoard state = new FarmReport.ReportedBoard(b, host, "az3166", true, "ok");
            states.add(state);
            for (int boot = 1; boot <= 4; boot++) {
                ScenarioRun r = new ScenarioRun(runId, b, host, "az3166", boot, 1, "First boot", "A board boots",
                        "/f/first-boot.feature:12", ScenarioRun.Outcome.PASSED, "", 3.0, List.of(
                        new ScenarioRun.Sample("boot → registration request", base + boot, "s", 10)), false);
                runs.add(r);
                FarmReport.writeNotRun(out.resolve("allure-results"), state, r, "passed");
            }
        }
        FarmReport.writeAll(out, "farm-" + host, List.of(runId), states, runs, Map.of());
        return out;
    }

    private static String merge(Path out, Path... inputs) throws MergeException {
        StringWriter text = new StringWriter();
        ReportMerge.merge(out, List.of(inputs), new PrintWriter(text, true));
        return text.toString();
    }

    @Test
    void twoHostsMergeIntoOneReportWithASuiteAndStatisticsPerBoard() throws Exception {
        Path a = host("a", "farm-1", "lab-a", List.of("devkit-01", "devkit-02"), 1.0);
        Path b = host("b", "farm-2", "lab-b", List.of("devkit-03"), 5.0);
        Path out = dir.resolve("merged");
        String text = merge(out, a, b);
        assertThat(text).contains("Merged 2 report(s): 2 run(s), 3 board(s), 12 scenario result(s)");

        String junit = Files.readString(out.resolve("junit.xml"));
        assertThat(junit).contains("<testsuite name=\"devkit-01\"", "<testsuite name=\"devkit-02\"", "<testsuite name=\"devkit-03\"")
                .contains("<property name=\"host\" value=\"lab-b\"/>");
        try (var files = Files.list(out.resolve("allure-results"))) {
            assertThat(files.count()).isEqualTo(12);
        }
        JsonNode timing = new ObjectMapper().readTree(out.resolve(FarmReport.TIMING).toFile());
        assertThat(timing.path("phases")).hasSize(3);
        JsonNode d3 = timing.path("phases").get(2);
        assertThat(d3.path("board").asText()).isEqualTo("devkit-03");
        assertThat(d3.path("n").asInt()).isEqualTo(4);
        assertThat(d3.path("p50").asDouble()).isEqualTo(7.0);
        assertThat(d3.path("p95").asDouble()).isEqualTo(9.0);
    }

    @Test
    void aBoardsRunsFromTwoNightsBecomeItsHistory() throws Exception {
        Path monday = host("mon", "farm-mon", "lab-a", List.of("devkit-01"), 1.0);
        Path tuesday = host("tue", "farm-tue", "lab-a", List.of("devkit-01"), 2.0);
        Path out = dir.resolve("history");
        merge(out, monday, tuesday);
        JsonNode timing = new ObjectMapper().readTree(out.resolve(FarmReport.TIMING).toFile());
        assertThat(timing.path("phases")).hasSize(1);
        assertThat(timing.path("phases").get(0).path("n").asInt()).isEqualTo(8);
        // Allure groups the two nights' results of the board's scenario under one history id.
        List<String> historyIds = new ArrayList<>();
        try (var files = Files.list(out.resolve("allure-results"))) {
            for (Path f : files.toList()) {
                historyIds.add(new ObjectMapper().readTree(f.toFile()).path("historyId").asText());
            }
        }
        assertThat(historyIds).hasSize(8).containsOnly(historyIds.get(0));
    }

    @Test
    void conflictingInputsAreRefusedWithWhatToDo() throws Exception {
        Path a = host("a", "farm-1", "lab-a", List.of("devkit-01"), 1.0);
        Path clash = host("c", "farm-3", "lab-b", List.of("devkit-01"), 1.0);
        assertThatThrownBy(() -> merge(dir.resolve("o1"), a, clash)).isInstanceOf(MergeException.class)
                .hasMessageContaining("board devkit-01 is on host 'lab-a'").hasMessageContaining("on host 'lab-b'")
                .hasMessageContaining("rename one in its inventory");

        Path sameRun = host("again", "farm-1", "lab-a", List.of("devkit-02"), 1.0);
        assertThatThrownBy(() -> merge(dir.resolve("o2"), a, sameRun)).hasMessageContaining("run farm-1 is in both");
        assertThatThrownBy(() -> merge(dir.resolve("o3"), a, a)).hasMessageContaining("is given twice");

        Path nonEmpty = Files.createDirectories(dir.resolve("full"));
        Files.writeString(nonEmpty.resolve("x"), "x");
        assertThatThrownBy(() -> merge(nonEmpty, a)).hasMessageContaining("not an empty folder");
    }

    @Test
    void corruptOrForeignInputsAreRefusedNamingTheFile() throws Exception {
        Path a = host("a", "farm-1", "lab-a", List.of("devkit-01"), 1.0);
        Path b = host("b", "farm-2", "lab-b", List.of("devkit-02"), 1.0);
        Files.writeString(b.resolve(FarmReport.SUMMARY), "{\"format\": 1, \"boards\": [");
        assertThatThrownBy(() -> merge(dir.resolve("o1"), a, b)).hasMessageContaining(b.resolve(FarmReport.SUMMARY) + " is corrupt");

        Path plain = Files.createDirectories(dir.resolve("plain-run"));
        Files.writeString(plain.resolve("summary.json"), "{}");
        assertThatThrownBy(() -> merge(dir.resolve("o2"), a, plain)).hasMessageContaining("is not a farm report")
                .hasMessageContaining("firstboot run --farm");

        Path c = host("c", "farm-3", "lab-c", List.of("devkit-03"), 1.0);
        try (var files = Files.list(c.resolve("allure-results"))) {
            Files.writeString(files.findFirst().orElseThrow(), "{not json");
        }
        assertThatThrownBy(() -> merge(dir.resolve("o3"), a, c)).hasMessageContaining("is corrupt (not JSON)");
        assertThat(dir.resolve("o1")).doesNotExist();
    }

    @Test
    void theCommandLineMergesAndRefusesWithExitCodes() throws Exception {
        Path a = host("a", "farm-1", "lab-a", List.of("devkit-01"), 1.0);
        Path b = host("b", "farm-2", "lab-b", List.of("devkit-02"), 1.0);
        assertThat(FarmInventoryTest.cli("report", "merge", dir.resolve("m").toString(), a.toString(), b.toString()))
                .startsWith("0|").contains("Merged 2 report(s)").contains("p50");
        assertThat(FarmInventoryTest.cli("report", "merge", dir.resolve("m2").toString(), dir.resolve("nope").toString()))
                .startsWith("2|").contains("cannot merge").contains("is not a folder");
        assertThat(FarmInventoryTest.cli("report", "merge", dir.resolve("m3").toString())).startsWith("2|");
    }

    @Test
    void percentilesAreNearestRank() {
        List<Double> values = new ArrayList<>();
        for (int i = 20; i >= 1; i--) {
            values.add((double) i);
        }
        assertThat(TimingStats.percentile(values, 50)).isEqualTo(10.0);
        assertThat(TimingStats.percentile(values, 95)).isEqualTo(19.0);
        assertThat(TimingStats.percentile(List.of(4.2), 95)).isEqualTo(4.2);
    }
}
