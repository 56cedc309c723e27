package dev.firstboot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code firstboot bench registrations}: a small run registers every device, prints every figure, and its verdict
 * follows from its figures. No timing asserts: how fast this machine is decides PASS or MISS, never the test.
 */
// Alone (pom.xml): a benchmark measures the machine; it runs with nothing beside it.
@Tag("alone")
class BenchCommandTest {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    private Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Result(cl.execute(args), out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({"x509, https", "symmetric-key, https", "x509, mqtt", "symmetric-key, mqtt"})
    void aSmallRunRegistersEveryDeviceAndPrintsEveryFigure(String attestation, String transport) throws Exception {
        Path json = dir.resolve("bench.json");
        Result r = run("bench", "registrations", "--devices", "50", "--concurrency", "4", "--warmup", "10",
                "--attestation", attestation, "--transport", transport, "--json", json.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("50 devices, concurrency 4, " + attestation + " over " + transport)
                .contains("bare TLS handshake").contains("registration").contains("per second")
                .contains("p50 ms", "p95 ms", "p99 ms", "server CPU s", "process CPU s", "peak heap MiB")
                .containsPattern("registration rate / bare handshake rate: \\d+\\.\\d\\d \\(target >= 0\\.70\\): (PASS|MISS)")
                .containsPattern("= \\d+\\.\\dx the real DPS default quota")
                .doesNotContain("failure:");
        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        assertThat(figures.path("registrations").path("completed").asInt()).isEqualTo(50);
        assertThat(figures.path("handshakes").path("completed").asInt()).isEqualTo(50);
        assertThat(figures.path("registrations").path("perSecond").asDouble()).isPositive();
        assertThat(figures.path("registrations").path("p99Millis").asDouble()).isPositive();
        assertThat(figures.path("registrations").path("serverCpuSeconds").asDouble()).isPositive();
        assertThat(figures.path("registrations").path("peakHeapMiB").asDouble()).isPositive();
        assertThat(figures.path("registrations").path("failed").asInt()).isZero();
        assertThat(figures.path("handshakes").path("failed").asInt()).isZero();
        assertThat(figures.path("quotaMultiple").asDouble()).isPositive();
        verdictFollowsFromTheFigures(figures, r.out());
    }

    /** The ratio is the two rates' quotient, PASS exactly when it reaches the target, and the table says the same. */
    private static void verdictFollowsFromTheFigures(JsonNode figures, String table) {
        double registrations = figures.path("registrations").path("perSecond").asDouble();
        double handshakes = figures.path("handshakes").path("perSecond").asDouble();
        double ratio = figures.path("ratio").asDouble();
        assertThat(ratio).isCloseTo(registrations / handshakes, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(figures.path("targetRatio").asDouble()).isEqualTo(0.7);
        String verdict = ratio >= 0.7 ? "PASS" : "MISS";
        assertThat(figures.path("verdict").asText()).as("verdict at ratio %s", ratio).isEqualTo(verdict);
        assertThat(figures.path("quotaMultiple").asDouble()).isCloseTo(
                registrations * 60 / figures.path("quotaPerMinutePerUnit").asDouble(),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(table).contains(String.format(java.util.Locale.ROOT,
                "registration rate / bare handshake rate: %.2f (target >= 0.70): %s", ratio, verdict));
    }

    @Test
    void badOptionsAreExitTwoSayingWhatIsExpected() {
        Result att = run("bench", "registrations", "--attestation", "tpm");
        assertThat(att.exit()).isEqualTo(2);
        assertThat(att.err()).contains("--attestation: expected x509 or symmetric-key, got 'tpm'");
        Result devices = run("bench", "registrations", "--devices", "0");
        assertThat(devices.exit()).isEqualTo(2);
        assertThat(devices.err()).contains("--devices: expected 1 to 1000000");
    }

    @Test
    void helpExplainsWhatIsMeasured() {
        Result r = run("bench", "registrations", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("--devices", "--concurrency", "--attestation", "--transport", "--warmup",
                "--json", "handshake", "0.7", "(1,000", "per minute per unit");
    }
}
