package dev.firstboot.cli;

import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On a real terminal (a pty from util-linux's {@code script}, which Debian always has) a run keeps one live status
 * line with the scenario, its step and the time, redrawn in place; {@code NO_COLOR} turns colour off.
 */
class TerminalRunTest {
    @TempDir
    Path dir;

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    @Test
    void aRunOnATerminalShowsALiveStatusLineAndHonoursNoColor() throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "run", "--features",
                Runs.FEATURES.resolve("first-boot/x509-individual.feature").toString(), "--name", "not enrolled",
                "--report", dir.toString()));
        String line = String.join(" ", command.stream().map(TerminalRunTest::quote).toList());
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", line, "/dev/null").redirectErrorStream(true);
        pb.environment().put("FIRSTBOOT_HOME", Runs.PROJECT.toString());
        pb.environment().put("TERM", "xterm");
        pb.environment().put("NO_COLOR", "1");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] bytes;
        try {
            bytes = p.getInputStream().readAllBytes();
        } finally {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        String out = new String(bytes, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("\r\u001b[K").containsPattern("\\d+\\.\\d s · Starting rig embedded")
                .containsPattern("\\[1/1] \\d+\\.\\d s · (Given|When|Then|And) ")
                .contains("[1/1] PASS  First boot").contains("1 passed, 0 failed, 0 not applicable, 0 not run").doesNotContain("\u001b[32m");
    }
}
