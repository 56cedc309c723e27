package dev.firstboot.farm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --repeat N}: every board boots N times per scenario, and the report gives p50/p95 of each boot phase per
 * board. Two virtual DevKits (each a real pty and its own tenant of the farm's DPS and IoT Hub) boot the
 * enrolled-DevKit scenario, whose timing step measures the phases on the boot's timeline.
 */
// Alone (pom.xml): its boards' boots are judged on 5 s boot-phase limits, which they can miss beside another test JVM
// on 2 cores.
@Tag("alone")
class FarmTimingTest {
    @TempDir
    Path dir;

    @Test
    void repeatedBootsGiveEachBoardP50AndP95OfEveryBootPhase() throws Exception {
        String board = """
                  - name: %s
                    pool: virtual
                    device:
                      kind: virtual-devkit
                      firmware:
                        bin: %s
                        map: %s
                      mac: %s
                      firmware-version: 2.0.0
                """;
        Path bin = Runs.FIRMWARE_A.resolve("DPS.ino.bin");
        Path map = Runs.FIRMWARE_A.resolve("DPS.ino.map");
        Path farm = Files.writeString(dir.resolve("virtual-farm.yaml"), """
                name: virtual-farm
                backend:
                  kind: embedded
                  retry-after: 1s
                boards:
                """ + board.formatted("vdk-01", bin, map, "a0b1c2d3e4f5") + board.formatted("vdk-02", bin, map, "a0b1c2d3e4f6"));
        Path scenario = Path.of(Runs.FEATURES.resolve("devkit/first-boot.feature") + ":11");

        StringWriter text = new StringWriter();
        FarmRunner.Outcome outcome = new FarmRunner(new PrintWriter(text, true)).run(new FarmRunner.Options(farm, List.of(),
                false, 2, 1, Optional.empty(), List.of(scenario), dir.resolve("reports")));
        System.out.println(text);

        assertThat(outcome.exitCode()).as(text.toString()).isEqualTo(ExitCodes.PASSED);
        assertThat(outcome.runs()).hasSize(4).allSatisfy(r -> assertThat(r.outcome()).as(r.message())
                .isEqualTo(ScenarioRun.Outcome.PASSED));
        assertThat(outcome.runs()).extracting(ScenarioRun::boot).containsOnly(1, 2);

        JsonNode timing = new ObjectMapper().readTree(outcome.runDirectory().resolve(FarmReport.TIMING).toFile());
        assertThat(timing.path("phases")).isNotEmpty().allSatisfy(p -> {
            assertThat(p.path("n").asInt()).isEqualTo(2);
            assertThat(p.path("p50").asDouble()).isPositive().isLessThanOrEqualTo(p.path("p95").asDouble());
        });
        assertThat(timing.path("phases")).extracting(p -> p.path("board").asText()).contains("vdk-01", "vdk-02");
        assertThat(text.toString()).contains("Boot-phase timing per board (p50 / p95 over n boots):")
                .containsPattern("vdk-01 +boot → .* n=2 +p50");
        assertThat(Files.readString(outcome.runDirectory().resolve("junit.xml"))).contains("(boot 2)");
        // In Allure each boot is a test of its own on its board, not a retry of the first boot.
        List<JsonNode> results = FarmRunTest.allureResults(outcome.runDirectory());
        assertThat(results).hasSize(4);
        assertThat(results.stream().map(r -> r.path("historyId").asText()).distinct()).hasSize(4);
        assertThat(results.stream().map(r -> r.path("name").asText())).allMatch(n -> n.matches(".* \\(boot [12]\\)"));
    }
}
