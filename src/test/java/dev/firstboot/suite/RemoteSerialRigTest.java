package dev.firstboot.suite;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A board on another host, with neither: Debian's ser2net exports the virtual DevKit's pty over TCP, as a board host
 * exports a board, and the {@code devkit-serial} rig's port is the URL, {@code rfc2217://} or {@code socket://}.
 */
class RemoteSerialRigTest {
    @TempDir
    Path dir;

    /** The two URL forms a rig's port may take for a board on another host; every test runs over each. */
    enum Form {
        RFC2217(Ser2Net::rfc2217), SOCKET(Ser2Net::socket);

        private final Function<Ser2Net, String> url;

        Form(Function<Ser2Net, String> url) {
            this.url = url;
        }

        String url(Ser2Net ser2net) {
            return url.apply(ser2net);
        }
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Form.class)
    void theConsoleFeaturesPass(Form form) throws Exception {
        try (DevKitSimBench bench = new DevKitSimBench(dir); Ser2Net ser2net = Ser2Net.export(dir, bench.tty)) {
            Runs.Outcome outcome = Runs.run(bench.rig(form.url(ser2net)).toString(), dir.resolve("reports"),
                    Optional.empty(), Runs.FEATURES.resolve("devkit/configuration-console.feature"));
            assertThat(outcome.summary().scenarios()).as(outcome.output() + "\nser2net: " + ser2net.log()).hasSize(7)
                    .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message())
                            .isEqualTo(ScenarioStatus.PASSED));
            assertThat(outcome.secrets().leaking()).isEmpty();
        }
    }

    @ParameterizedTest(name = "over {0}")
    @EnumSource(Form.class)
    void anExporterThatDiesMidRunFailsTheRestFastAndTheRunGoesOn(Form form) throws Exception {
        try (DevKitSimBench bench = new DevKitSimBench(dir); Ser2Net ser2net = Ser2Net.export(dir, bench.tty)) {
            String url = form.url(ser2net);
            long start = System.nanoTime();
            Runs.Outcome outcome = DevKitSimBench.runCutAfterTheFirstScenario(bench.rig(url),
                    dir.resolve("reports"), ser2net::kill);
            assertThat(outcome.summary().scenarios().subList(1, 7)).as(outcome.output()).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
                assertThat(s.message()).contains("rig bench-sim").contains("the serial port closed").contains(url);
            });
            // Each scenario fails when it next reads the console, not at its deadlines (boot-deadline alone is 5 s).
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }
}
