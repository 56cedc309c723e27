package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.List;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The physical-board path end to end, with no board: {@code firstboot devkit-sim} runs in its own process behind a
 * pty, the {@code devkit-serial} rig opens that pty by path with jSerialComm, and its reset and button A are worked
 * by shell commands (here: writing the simulator's control lines into a FIFO), as a relay would work a real board.
 */
class DevKitSerialRigTest {
    @TempDir
    Path dir;

    /** A devkit-sim process, its control FIFO held open, and a rig file pointing a devkit-serial board at it. */
    private final class Bench implements AutoCloseable {
        final Process sim;
        final RandomAccessFile keepOpen;
        final Path rig;

        Bench() throws Exception {
            Path fifo = dir.resolve("controls");
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
            // Held open read-write so the simulator never sees end of input between control commands.
            keepOpen = new RandomAccessFile(fifo.toFile(), "rw");
            Path link = dir.resolve("ttyACM-sim");
            sim = DevKitSimProcess.start(dir.resolve("board"), fifo, link, List.of());
            String control = "printf '%s\\n' > " + fifo;
            rig = Files.writeString(dir.resolve("bench.yaml"), """
                    name: bench-sim
                    backend:
                      kind: embedded
                    device:
                      kind: devkit-serial
                      port: %s
                      boot-deadline: 5s
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
        }

        @Override
        public void close() throws Exception {
            sim.descendants().forEach(ProcessHandle::destroy);
            sim.destroy();
            if (!sim.waitFor(10, TimeUnit.SECONDS)) {
                sim.destroyForcibly();
            }
            keepOpen.close();
        }
    }

    @Test
    void theConsoleFeaturesPassOnABoardDrivenByCommandControls() throws Exception {
        try (Bench bench = new Bench()) {
            Runs.Outcome outcome = Runs.run(bench.rig.toString(), dir.resolve("reports"), Optional.empty(),
                    Runs.FEATURES.resolve("devkit/configuration-console.feature"));
            assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSize(7)
                    .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
            assertThat(outcome.summary().labels()).containsEntry("device", "devkit-serial");
            assertThat(outcome.secrets().leaking()).isEmpty();
        }
    }

    @Test
    void aBoardThatVanishesMidRunFailsItsScenariosFastAndTheRunGoesOn() throws Exception {
        try (Bench bench = new Bench()) {
            AtomicBoolean killed = new AtomicBoolean();
            long start = System.nanoTime();
            Runs.Outcome outcome = Runs.run(bench.rig.toString(), dir.resolve("reports"), Optional.empty(), line -> {
                if (line.matches("\\[\\s*1/\\d+] PASS .*") && killed.compareAndSet(false, true)) {
                    // The board is unplugged: the simulator and the socat behind its pty die at once.
                    bench.sim.descendants().forEach(ProcessHandle::destroyForcibly);
                    bench.sim.destroyForcibly();
                }
            }, Runs.FEATURES.resolve("devkit/configuration-console.feature"));
            assertThat(killed).as(outcome.output()).isTrue();
            assertThat(outcome.summary().scenarios()).hasSize(7);
            assertThat(outcome.summary().scenarios().get(0).status()).isEqualTo(ScenarioStatus.PASSED);
            assertThat(outcome.summary().scenarios().subList(1, 7)).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
                assertThat(s.message()).contains("rig bench-sim").containsAnyOf("closed", "stopped answering", "did not");
            });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(90));
        }
    }
}
