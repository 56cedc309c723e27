package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A board on another host, with neither: Debian's ser2net exports the virtual DevKit's pty over TCP, as a board host
 * exports a board, and the {@code devkit-serial} rig's port is the URL, {@code rfc2217://} or {@code socket://}.
 */
class RemoteSerialRigTest {
    @TempDir
    Path dir;

    @Test
    void theConsoleFeaturesPassThroughRfc2217() throws Exception {
        try (DevKitSimBench bench = new DevKitSimBench(dir); Ser2Net ser2net = Ser2Net.export(dir, bench.tty)) {
            assertAllPass(bench.rig(ser2net.rfc2217()), ser2net);
        }
    }

    @Test
    void theConsoleFeaturesPassThroughARawSocket() throws Exception {
        try (DevKitSimBench bench = new DevKitSimBench(dir); Ser2Net ser2net = Ser2Net.export(dir, bench.tty)) {
            assertAllPass(bench.rig(ser2net.socket()), ser2net);
        }
    }

    private void assertAllPass(Path rig, Ser2Net ser2net) throws Exception {
        Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("devkit/configuration-console.feature"));
        assertThat(outcome.summary().scenarios()).as(outcome.output() + "\nser2net: " + ser2net.log()).hasSize(7)
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @Test
    void anExporterThatDiesMidRunFailsTheRestFastAndTheRunGoesOn() throws Exception {
        try (DevKitSimBench bench = new DevKitSimBench(dir); Ser2Net ser2net = Ser2Net.export(dir, bench.tty)) {
            long start = System.nanoTime();
            Runs.Outcome outcome = DevKitSimBench.runCutAfterTheFirstScenario(bench.rig(ser2net.rfc2217()),
                    dir.resolve("reports"), ser2net::kill);
            assertThat(outcome.summary().scenarios().subList(1, 7)).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
                assertThat(s.message()).contains("rig bench-sim").contains("the serial port closed")
                        .contains(ser2net.rfc2217());
            });
            // Each scenario fails when it next reads the console, not at its deadlines (boot-deadline alone is 5 s).
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }
}
