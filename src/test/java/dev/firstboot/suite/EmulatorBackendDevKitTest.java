package dev.firstboot.suite;

import dev.firstboot.cli.EmulatorProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole remote path with processes that share nothing but sockets: a {@code firstboot emulator} process bound to a
 * random 127.x.y.z (not 127.0.0.1), a {@code firstboot devkit-sim} process told only that emulator's DPS address,
 * ID scope and CA certificate, and the harness running the DevKit first-boot features through a {@code devkit-serial}
 * rig with the {@code emulator} backend, which enrolls over the REST service API and judges from the event stream.
 * A board whose firmware measures itself wrong is caught over the same path.
 */
class EmulatorBackendDevKitTest {
    @TempDir
    static Path dir;
    private static EmulatorProcess emulator;
    private static Map<String, String> printed;
    private static String ip;

    @BeforeAll
    static void startTheEmulatorOnARandomLoopbackAddress() throws Exception {
        SecureRandom random = new SecureRandom();
        ip = "127." + (1 + random.nextInt(250)) + "." + random.nextInt(256) + "." + (2 + random.nextInt(250));
        Path config = Files.writeString(dir.resolve("emulator.yaml"), """
                host: %s
                bind: %s
                dps-https: 0
                dps-mqtt: 0
                hubs:
                  - {name: hub-a, host: %s, port: 0}
                """.formatted(ip, ip, ip));
        emulator = EmulatorProcess.started(dir, "--config", config.toString(), "--log");
        printed = emulator.lines();
    }

    @AfterAll
    static void stopTheEmulator() throws Exception {
        emulator.terminate();
    }

    /** A devkit-sim process on a pty, pointed at the emulator, and a devkit-serial + emulator rig file for it. */
    private static final class Bench implements AutoCloseable {
        final Process sim;
        final RandomAccessFile keepOpen;
        final Path rig;

        Bench(Path where, String... defects) throws Exception {
            Files.createDirectories(where);
            Path fifo = where.resolve("controls");
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
            keepOpen = new RandomAccessFile(fifo.toFile(), "rw");
            Path link = where.resolve("ttyACM-sim");
            String dps = printed.get("dps-https");
            List<String> command = new ArrayList<>(List.of(
                    "--dps", dps.substring("https://".length()),
                    "--id-scope", printed.get("id-scope"),
                    "--trust", printed.get("ca-certificate")));
            for (String d : defects) {
                command.add("--defect");
                command.add(d);
            }
            sim = DevKitSimProcess.start(where.resolve("board"), fifo, link, command);
            Path secret = Files.writeString(where.resolve("service-connection-string"),
                    printed.get("service-connection-string"));
            String control = "printf '%s\\n' > " + fifo;
            rig = Files.writeString(where.resolve("bench.yaml"), """
                    name: bench-remote
                    backend:
                      kind: emulator
                      dps: %s
                      ca-certificate: %s
                      service-connection-string-file: %s
                      id-scope: %s
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
                      power-off: "%s"
                      power-on: "%s"
                      operator: false
                    """.formatted(dps, printed.get("ca-certificate"), secret, printed.get("id-scope"), link,
                    Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map"),
                    control.formatted("reset"), control.formatted("press A"), control.formatted("release A"),
                    control.formatted("power off"), control.formatted("power on")));
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
    void theVirtualDevKitCompletesAFirstBootAgainstASeparateEmulatorProcess() throws Exception {
        assertThat(printed.get("device-address")).isEqualTo(ip);
        assertThat(printed.get("dps-https")).startsWith("https://" + ip + ":");
        try (Bench bench = new Bench(dir.resolve("good"))) {
            Runs.Outcome outcome = Runs.run(bench.rig.toString(), dir.resolve("good-reports"), Optional.empty(),
                    Runs.FEATURES.resolve("devkit/first-boot.feature"));
            ScenarioResult assigned = outcome.scenario("An enrolled DevKit is assigned");
            assertThat(assigned.status()).as(outcome.output() + "\nemulator: " + emulator.stderr())
                    .isEqualTo(ScenarioStatus.PASSED);
            ScenarioResult refused = outcome.scenario("A DevKit that is not enrolled says registration failed");
            assertThat(refused.status()).as(refused.message()).isEqualTo(ScenarioStatus.PASSED);
            assertThat(outcome.secrets().leaking()).isEmpty();
            assertThat(outcome.output()).doesNotContain(printed.get("service-connection-string"));
        }
        String key = printed.get("service-connection-string").replaceFirst(".*SharedAccessKey=", "");
        List<String> log = emulator.linesUntil(l -> l.startsWith("dps https PUT") && l.endsWith(" 202"
                + " registration=az-a0b1c2d3e4f5v2v0v0"), Duration.ofSeconds(10));
        assertThat(log).as("the emulator's --log lines").anyMatch(l -> l.matches(
                "dps https PUT /[0-9A-Za-z]+/registrations/az-a0b1c2d3e4f5v2v0v0/register 202 registration=az-.*"))
                .anyMatch(l -> l.startsWith("service https PUT /enrollments/"))
                .noneMatch(l -> l.contains(key) || l.contains("SharedAccessSignature"));
    }

    @Test
    void aBoardThatMeasuresItsFirmwareWrongIsCaughtThroughTheEventStream() throws Exception {
        try (Bench bench = new Bench(dir.resolve("defective"), "standard-sha256-measurement")) {
            Runs.Outcome outcome = Runs.run(bench.rig.toString(), dir.resolve("defective-reports"), Optional.empty(),
                    Runs.FEATURES.resolve("devkit/first-boot.feature"));
            ScenarioResult assigned = outcome.scenario("An enrolled DevKit is assigned");
            assertThat(assigned.status()).as(outcome.output()).isEqualTo(ScenarioStatus.FAILED);
            assertThat(assigned.message()).contains("is not the reference alias certificate");
            // the power-cycle scenario boots again and checks the certificate byte for byte too
            outcome.onlyTheseFailed(List.of("An enrolled DevKit is assigned", "The UDS survives a power cycle"));
        }
    }
}
