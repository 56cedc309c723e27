package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The physical-board path end to end, with no board: {@code firstboot devkit-sim} runs in its own process behind a
 * pty, the {@code devkit-serial} rig opens that pty by path with jSerialComm, and its reset and button A are worked
 * by shell commands, as a relay would work a real board ({@link DevKitSimBench}).
 */
class DevKitSerialRigTest {
    @TempDir
    Path dir;

    @Test
    void theConsoleFeaturesPassOnABoardDrivenByCommandControls() throws Exception {
        try (DevKitSimBench bench = new DevKitSimBench(dir)) {
            Runs.Outcome outcome = Runs.run(bench.rig(bench.tty.toString()).toString(), dir.resolve("reports"), Optional.empty(),
                    Runs.FEATURES.resolve("devkit/configuration-console.feature"));
            assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSize(7)
                    .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
            assertThat(outcome.summary().labels()).containsEntry("device", "devkit-serial");
            assertThat(outcome.secrets().leaking()).isEmpty();
        }
    }

    @Test
    void aBoardThatVanishesMidRunFailsItsScenariosFastAndTheRunGoesOn() throws Exception {
        try (DevKitSimBench bench = new DevKitSimBench(dir)) {
            long start = System.nanoTime();
            Runs.Outcome outcome = DevKitSimBench.runCutAfterTheFirstScenario(bench.rig(bench.tty.toString()),
                    dir.resolve("reports"), bench::unplug);
            assertThat(outcome.summary().scenarios().subList(1, 7)).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
                assertThat(s.message()).contains("rig bench-sim").containsAnyOf("closed", "stopped answering", "did not");
            });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(90));
        }
    }
}
