package dev.firstboot.farm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Ctrl-C during a farm run: the boards' runs stop, what finished is kept, the rest is not run, exit code 130. */
class FarmInterruptTest {
    @TempDir
    Path dir;

    @Test
    void anInterruptedFarmKeepsWhatFinishedAndMarksTheRestNotRun() throws Exception {
        Path farm = Files.writeString(dir.resolve("farm.yaml"), """
                name: interrupted-farm
                backend:
                  kind: embedded
                boards:
                  - name: vdk-01
                    device:
                      kind: virtual-devkit
                      firmware:
                        bin: %s
                        map: %s
                """.formatted(Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map")));
        Path reports = dir.resolve("reports");
        Process farmRun = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "run", "--farm", farm.toString(),
                "--repeat", "20", "--features", Runs.FEATURES.resolve("devkit/configuration-console.feature") + ":35",
                "--report", reports.toString()).redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(farmRun.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<Boolean> secondBoot = CompletableFuture.supplyAsync(() -> {
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        output.append(line).append('\n');
                        if (line.contains("boot 2 of 20")) {
                            return true;
                        }
                    }
                    return false;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            assertThat(secondBoot.get(120, TimeUnit.SECONDS)).as(output.toString()).isTrue();
            assertThat(new ProcessBuilder("kill", "-INT", Long.toString(farmRun.pid())).start().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(farmRun.waitFor(90, TimeUnit.SECONDS)).as(output.toString()).isTrue();
            output.append(new String(farmRun.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            farmRun.descendants().forEach(ProcessHandle::destroyForcibly);
            farmRun.destroyForcibly();
        }
        assertThat(farmRun.exitValue()).as(output.toString()).isEqualTo(ExitCodes.INTERRUPTED);
        assertThat(output).contains("Interrupted: finished results are kept").contains("Result: INTERRUPTED");

        Path runDir;
        try (Stream<Path> runs = Files.list(reports)) {
            runDir = runs.filter(p -> p.getFileName().toString().startsWith("farm-")).findFirst().orElseThrow();
        }
        JsonNode summary = new ObjectMapper().readTree(runDir.resolve(FarmReport.SUMMARY).toFile());
        assertThat(summary.path("interrupted").asBoolean()).isTrue();
        assertThat(summary.path("results")).hasSize(20);
        JsonNode first = summary.path("results").get(0);
        assertThat(first.path("boot").asInt()).isEqualTo(1);
        assertThat(first.path("outcome").asText()).isEqualTo("PASSED");
        JsonNode last = summary.path("results").get(19);
        assertThat(last.path("outcome").asText()).isEqualTo("NOT_RUN");
        assertThat(last.path("message").asText()).contains("interrupted");
        // No board run is left behind.
        assertThat(farmRun.descendants().filter(ProcessHandle::isAlive)).isEmpty();
    }
}
