package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The physical-board path end to end, with no board: {@code firstboot devkit-sim} runs in its own process behind a
 * pty, the {@code devkit-serial} rig opens that pty by path with jSerialComm, and its reset and button A are worked
 * by shell commands (here: writing the simulator's control lines into a FIFO), as a relay would work a real board.
 */
class DevKitSerialRigTest {
    @TempDir
    Path dir;

    @Test
    void theConsoleFeaturesPassOnABoardDrivenByCommandControls() throws Exception {
        Path fifo = dir.resolve("controls");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // Held open read-write so the simulator never sees end of input between control commands.
        try (RandomAccessFile keepOpen = new RandomAccessFile(fifo.toFile(), "rw")) {
            Path link = dir.resolve("ttyACM-sim");
            Process sim = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "devkit-sim",
                    "--state", dir.resolve("board").toString(),
                    "--firmware", Runs.FIRMWARE_A.resolve("DPS.ino.bin").toString(),
                    "--map", Runs.FIRMWARE_A.resolve("DPS.ino.map").toString(),
                    "--link", link.toString())
                    .redirectInput(fifo.toFile()).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
                String ready = CompletableFuture.supplyAsync(() -> {
                    try {
                        String line;
                        while ((line = out.readLine()) != null) {
                            if (line.startsWith("Virtual DevKit serial port:")) {
                                return line;
                            }
                        }
                        return "";
                    } catch (java.io.IOException e) {
                        return e.toString();
                    }
                }).get(30, TimeUnit.SECONDS);
                assertThat(ready).contains(link.toString());

                String control = "printf '%s\\n' > " + fifo;
                Path rig = Files.writeString(dir.resolve("bench.yaml"), """
                        name: bench-sim
                        backend:
                          kind: embedded
                        device:
                          kind: devkit-serial
                          port: %s
                          firmware:
                            bin: %s
                            map: %s
                        controls:
                          kind: commands
                          reset: "%s"
                          press-a: "%s"
                          release-a: "%s"
                          operator: false
                        """.formatted(link, Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map"),
                        control.formatted("reset"), control.formatted("press A"), control.formatted("release A")));
                Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                        Runs.FEATURES.resolve("devkit/configuration-console.feature"));
                assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSize(7)
                        .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
                assertThat(outcome.summary().labels()).containsEntry("device", "devkit-serial").containsEntry("port", link.toString());
                assertThat(outcome.secrets().leaking()).isEmpty();
            } finally {
                sim.destroy();
                if (!sim.waitFor(10, TimeUnit.SECONDS)) {
                    sim.destroyForcibly();
                }
            }
        }
    }
}
