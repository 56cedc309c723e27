package dev.firstboot.suite;

import dev.firstboot.device.pty.PtyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A port where something answers, but not a DevKit: random bytes, never a banner. Every scenario fails within the
 * board's deadline with a message naming the rig and what the console printed, and the run goes on to the end.
 */
class GarbageBoardTest {
    @TempDir
    Path dir;

    @Test
    void aPortSpewingGarbageFailsEachScenarioWithinItsDeadline() throws Exception {
        try (PtyPair pair = PtyPair.open(dir.resolve("device"), dir.resolve("ttyUSB-noise"), Duration.ofSeconds(5))) {
            AtomicBoolean stop = new AtomicBoolean();
            Thread noise = new Thread(() -> {
                Random random = new Random(42);
                byte[] chunk = new byte[64];
                try (FileOutputStream out = new FileOutputStream(pair.deviceSide().toFile())) {
                    long next = System.nanoTime();
                    while (!stop.get()) {
                        random.nextBytes(chunk);
                        out.write(chunk);
                        next += 20_000_000L;
                        java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                    }
                } catch (java.io.IOException ignored) {
                    // the pty closed at the end of the test
                }
            }, "garbage-board");
            noise.setDaemon(true);
            noise.start();
            Path rig = Files.writeString(dir.resolve("noise.yaml"), """
                    name: noisy-port
                    backend:
                      kind: embedded
                    device:
                      kind: devkit-serial
                      port: %s
                      boot-deadline: 1s
                      firmware:
                        bin: %s
                        map: %s
                    controls:
                      kind: commands
                      reset: "true"
                      press-a: "true"
                      release-a: "true"
                      operator: false
                    """.formatted(pair.userSide(), Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map")));
            long start = System.nanoTime();
            Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                    Runs.FEATURES.resolve("devkit/configuration-console.feature"));
            stop.set(true);
            assertThat(outcome.summary().scenarios()).hasSize(7).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
                assertThat(s.message()).contains("rig noisy-port").contains("within 1 s").contains("the console printed");
            });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
        }
    }
}
