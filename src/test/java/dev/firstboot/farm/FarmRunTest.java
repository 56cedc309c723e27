package dev.firstboot.farm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A farm of four virtual DevKits, each a devkit-sim process behind a pty: one runs another board's firmware (its
 * health check fails), one has a reset relay that fails once mid-run (a rig failure, retried). The farm runs the
 * configuration-console scenarios on every board at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FarmRunTest {
    private static final Path FEATURE = Runs.FEATURES.resolve("devkit/configuration-console.feature");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static SimFarm farm;

    @BeforeAll
    static void startBoards() throws Exception {
        Path counter = dir.resolve("resets-03");
        // The third reset of devkit-03 fails: the health check resets it twice, so its first scenario's reset fails.
        String flakyReset = "n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter
                + "; [ $n -ne 3 ] || { echo relay timeout; exit 1; }; printf 'reset\\\\n' > FIFO";
        farm = new SimFarm(dir, List.of(SimFarm.BoardSim.healthy("devkit-01"), SimFarm.BoardSim.healthy("devkit-02"),
                new SimFarm.BoardSim("devkit-03", Optional.empty(), Optional.of(flakyReset)),
                new SimFarm.BoardSim("devkit-04", Optional.of("wrong-banner"), Optional.empty())));
    }

    @AfterAll
    static void stopBoards() throws Exception {
        if (farm != null) {
            farm.close();
        }
    }

    private static FarmRunner.Outcome run(StringWriter text, List<String> boards, boolean spread) throws Exception {
        return new FarmRunner(new PrintWriter(text, true)).run(new FarmRunner.Options(farm.inventory, boards, spread, 1, 1,
                Optional.empty(), List.of(FEATURE), dir.resolve("reports")));
    }

    @Test
    @Order(1)
    void everyHealthyBoardPassesWhileTheBrokenOneIsOfflineAndTheFlakyRelayIsRetried() throws Exception {
        StringWriter text = new StringWriter();
        FarmRunner.Outcome outcome = run(text, List.of(), false);
        String output = text.toString();
        System.out.println(output);

        assertThat(outcome.exitCode()).as(output).isEqualTo(ExitCodes.FAILED);
        FarmReport.ReportedBoard broken = outcome.boards().stream().filter(b -> b.name().equals("devkit-04")).findFirst().orElseThrow();
        assertThat(broken.online()).isFalse();
        assertThat(broken.detail()).contains("without the DevKit's boot banner");
        assertThat(output).contains("[devkit-04] OFFLINE for this run: health check failed:");

        for (String board : List.of("devkit-01", "devkit-02", "devkit-03")) {
            List<ScenarioRun> finals = outcome.runs().stream().filter(r -> r.board().equals(board) && !r.retried()).toList();
            assertThat(finals).as(output).hasSize(7).allSatisfy(r ->
                    assertThat(r.outcome()).as(board + " " + r.name() + ": " + r.message()).isEqualTo(ScenarioRun.Outcome.PASSED));
            assertThat(output).contains("[" + board + "] [7/7] PASS");
        }
        // The broken board's scenarios are rig failures, never device failures.
        assertThat(outcome.runs().stream().filter(r -> r.board().equals("devkit-04")))
                .hasSize(7).allSatisfy(r -> {
                    assertThat(r.outcome()).isEqualTo(ScenarioRun.Outcome.RIG_FAILURE);
                    assertThat(r.message()).contains("offline");
                });

        // The relay failed once: that scenario was retried on the same board and passed.
        List<ScenarioRun> retried = outcome.runs().stream().filter(ScenarioRun::retried).toList();
        assertThat(retried).hasSize(1);
        assertThat(retried.get(0).board()).isEqualTo("devkit-03");
        assertThat(retried.get(0).outcome()).isEqualTo(ScenarioRun.Outcome.RIG_FAILURE);
        assertThat(retried.get(0).message()).contains("reset command").contains("failed with exit code 1");
        ScenarioRun second = outcome.runs().stream().filter(r -> r.board().equals("devkit-03")
                && r.location().equals(retried.get(0).location()) && r.attempt() == 2).findFirst().orElseThrow();
        assertThat(second.outcome()).isEqualTo(ScenarioRun.Outcome.PASSED);

        // Allure: every result has its board; the retry shares the first attempt's history id; the offline
        // board's scenarios are skipped with the reason.
        List<JsonNode> results = allureResults(outcome.runDirectory());
        assertThat(results).allSatisfy(r -> assertThat(label(r, "board")).isPresent());
        Map<String, List<JsonNode>> byHistory = new HashMap<>();
        results.forEach(r -> byHistory.computeIfAbsent(r.path("historyId").asText(), k -> new ArrayList<>()).add(r));
        List<JsonNode> retryPair = byHistory.values().stream().filter(l -> l.size() > 1).findFirst().orElseThrow();
        assertThat(retryPair).hasSize(2).allSatisfy(r -> assertThat(label(r, "board")).contains("devkit-03"));
        assertThat(retryPair.stream().map(r -> r.path("status").asText())).containsExactlyInAnyOrder("broken", "passed");
        assertThat(byHistory.values().stream().filter(l -> l.size() > 1)).hasSize(1);
        // The boards ran at once in one JVM: each board's results are its own seven, written by its own run.
        for (String board : List.of("devkit-01", "devkit-02")) {
            List<JsonNode> mine = results.stream().filter(r -> label(r, "board").orElse("").equals(board)).toList();
            assertThat(mine.stream().map(r -> r.path("name").asText()).distinct()).hasSize(7);
            assertThat(mine).hasSize(7).allSatisfy(r -> assertThat(label(r, "rig")).contains(board));
        }
        assertThat(results.stream().filter(r -> label(r, "board").orElse("").equals("devkit-04")))
                .hasSize(7).allSatisfy(r -> {
                    assertThat(r.path("status").asText()).isEqualTo("skipped");
                    assertThat(r.path("statusDetails").path("message").asText()).contains("health check failed");
                });

        String junit = Files.readString(outcome.runDirectory().resolve("junit.xml"));
        assertThat(junit).contains("<testsuite name=\"devkit-01\" tests=\"7\" failures=\"0\" errors=\"0\"")
                .contains("<testsuite name=\"devkit-04\" tests=\"7\" failures=\"0\" errors=\"7\"");
        assertThat(outcome.runDirectory().resolve(FarmReport.TIMING)).exists();
        assertThat(outcome.runDirectory().resolve(FarmReport.SUMMARY)).exists();
    }

    @Test
    @Order(2)
    void spreadOverThreeBoardsAgainstOneBoard() throws Exception {
        StringWriter single = new StringWriter();
        FarmRunner.Outcome one = run(single, List.of("devkit-01"), false);
        assertThat(one.exitCode()).as(single.toString()).isEqualTo(ExitCodes.PASSED);

        StringWriter text = new StringWriter();
        FarmRunner.Outcome spread = run(text, List.of("devkit-01", "devkit-02", "devkit-03"), true);
        System.out.println(text);
        assertThat(spread.exitCode()).as(text.toString()).isEqualTo(ExitCodes.PASSED);
        List<ScenarioRun> finals = spread.runs().stream().filter(r -> !r.retried()).toList();
        assertThat(finals).hasSize(7).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(ScenarioRun.Outcome.PASSED));
        assertThat(finals.stream().map(ScenarioRun::board).distinct()).hasSize(3);

        double ratio = (double) spread.wallTime().toMillis() / one.wallTime().toMillis();
        System.out.printf(Locale.ROOT, "FARM TIMING: 7 scenarios on 1 board %.1f s; spread over 3 boards %.1f s; ratio %.2f "
                        + "(%d cores)%n", one.wallTime().toMillis() / 1000.0, spread.wallTime().toMillis() / 1000.0, ratio,
                Runtime.getRuntime().availableProcessors());
    }

    static List<JsonNode> allureResults(Path runDir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(runDir.resolve("allure-results"))) {
            for (Path f : files.filter(p -> p.toString().endsWith("-result.json")).toList()) {
                out.add(JSON.readTree(f.toFile()));
            }
        }
        return out;
    }

    static Optional<String> label(JsonNode result, String name) {
        for (JsonNode l : result.path("labels")) {
            if (l.path("name").asText().equals(name)) {
                return Optional.of(l.path("value").asText());
            }
        }
        return Optional.empty();
    }
}
