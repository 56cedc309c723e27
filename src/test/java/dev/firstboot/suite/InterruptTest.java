package dev.firstboot.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Ctrl-C during a run keeps every finished result and marks the rest not run, in every report. */
class InterruptTest {
    @TempDir
    Path reports;

    @Test
    void interruptedRunKeepsFinishedResultsAndMarksTheRestNotRun() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "run", "--report", reports.toString())
                .redirectErrorStream(true);
        pb.environment().put("FIRSTBOOT_HOME", Runs.PROJECT.toString());
        Process process = pb.start();
        List<String> output = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean sent = false;
            while ((line = in.readLine()) != null) {
                output.add(line);
                if (!sent && line.matches("\\[\\s*\\d+/\\d+] PASS .*")) {
                    new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
                    sent = true;
                }
            }
        } finally {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertThat(process.exitValue()).as(String.join("\n", output)).isEqualTo(130);
        assertThat(output).anyMatch(l -> l.startsWith("Interrupted: finished results are kept"));
        assertThat(output).as("the counts line, even when interrupted").anyMatch(l -> l.matches(
                "\\d+ passed, \\d+ failed, \\d+ not applicable, \\d+ not run in .* on rig embedded"));
        assertThat(output).contains("Result: INTERRUPTED");

        Path run;
        try (Stream<Path> runs = Files.list(reports)) {
            run = runs.findFirst().orElseThrow();
        }
        JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertThat(summary.path("interrupted").asBoolean()).isTrue();
        List<String> statuses = new ArrayList<>();
        summary.path("scenarios").forEach(s -> statuses.add(s.path("status").asText()));
        assertThat(statuses).hasSizeGreaterThanOrEqualTo(7).contains("PASSED").contains("NOT_RUN");
        assertThat(Files.readString(run.resolve("junit.xml"))).contains("not run");
    }
}
