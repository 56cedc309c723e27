package dev.firstboot.suite;

import dev.firstboot.programs.ReferencePrograms.Program;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code firstboot run} with a program rig: the reference device programs on the real Azure IoT SDKs (Node from
 * npm, Java in its own JVM) as the device under test, each scenario starting the program afresh. Every applicable
 * scenario passes over HTTPS and MQTT, on stock ports and without them (as far as each SDK lets a port be given:
 * docs/device-programs.md), and each reference-program defect is caught by its scenario with a precise message while
 * the scenarios it does not target still pass. One rig start per configuration.
 */
class ProgramRigRunTest {
    static final Path SYMMETRIC_KEY = Runs.FEATURES.resolve("symmetric-key");
    static final Path X509_ISSUED = Runs.FEATURES.resolve("first-boot").resolve("x509-issued-certificate.feature");

    /** A program rig in {@code dir}: the program, how it proves who it is, how it reaches DPS, the ports, defects. */
    static Path rig(Path dir, Program program, String attestation, String transport, String ports, String defects)
            throws Exception {
        String command = program.command().stream().map(ProgramRigRunTest::json)
                .collect(Collectors.joining(", ", "[", "]"));
        String name = ("program-" + program + "-" + attestation + "-" + transport + "-"
                + ports.replaceAll("[^a-z0-9]+", "-") + (defects.isEmpty() ? "" : "-" + defects))
                .toLowerCase(java.util.Locale.ROOT).replaceAll("-+$", "");
        Path file = dir.resolve(name + ".yaml");
        Files.writeString(file, """
                name: %s
                backend:
                  kind: embedded
                  retry-after: 1s
                  hubs: [hub-a, hub-b]
                  addresses: per-part
                  ports: %s
                device:
                  kind: program
                  command: %s
                  attestation: %s
                  transport: %s
                  environment:
                    FIRSTBOOT_REFERENCE_DEFECTS: %s
                """.formatted(name, ports, command, attestation, transport, json(defects)));
        return file;
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static Runs.Outcome run(Path dir, Path rig, Path features) throws Exception {
        return Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(), features);
    }

    /** The Java SDK dials 8883 for MQTT whatever it is given; with HTTPS to DPS only the hub needs 8883. */
    @ParameterizedTest(name = "{0} {1} over {2}, ports {3}")
    @CsvSource(delimiter = '|', value = {
            "NODE | symmetric-key | https | ephemeral",
            "NODE | x509          | mqtt  | ephemeral",
            "NODE | x509          | https | stock",
            "NODE | symmetric-key | mqtt  | stock",
            "JAVA | symmetric-key | https | '{hub-mqtt: 8883}'",
            "JAVA | x509          | mqtt  | stock",
    })
    void everyApplicableScenarioPasses(Program program, String attestation, String transport, String ports,
                                       @TempDir Path dir) throws Exception {
        Path features = attestation.equals("x509") ? X509_ISSUED : SYMMETRIC_KEY;
        Runs.Outcome outcome = run(dir, rig(dir, program, attestation, transport, ports, ""), features);
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(7)
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @ParameterizedTest(name = "{0} with defect {1} is caught by \"{3}\"")
    @CsvSource(delimiter = '|', value = {
            "NODE | no-hub-connection     | symmetric-key | An individually enrolled device is assigned | expected kitchen-sensor to connect to hub hub-a within 10 s, but no hub saw a connection attempt",
            "NODE | wrong-hub             | symmetric-key | An individually enrolled device is assigned | the hubs answered only: [kitchen-sensor at hub-b → return code",
            "NODE | wrong-registration-id | symmetric-key | An individually enrolled device is assigned | it received requests only for registration ids [program-device-01-x]",
            "NODE | ignores-retry-after   | symmetric-key | The device waits as long as DPS asks        | the device did not honour retry-after",
            "NODE | other-certificate     | x509          | The device presents the certificate it was issued | the certificate the device presented to DPS is not the certificate the harness issued it",
            "JAVA | wrong-hub             | x509          | An individually enrolled device is assigned | the hubs answered only: [x509-gateway at hub-b → return code",
    })
    void eachDefectIsCaughtAndTheScenariosItDoesNotTargetStillPass(Program program, String defect, String attestation,
                                                                   String scenario, String message, @TempDir Path dir)
            throws Exception {
        Path features = attestation.equals("x509") ? X509_ISSUED : SYMMETRIC_KEY;
        String transport = program == Program.JAVA ? "mqtt" : "https";
        Runs.Outcome outcome = run(dir, rig(dir, program, attestation, transport, "stock", defect), features);
        ScenarioResult judged = outcome.scenario(scenario);
        assertThat(judged.status()).as(outcome.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        for (String untouched : UNTARGETED.get(defect + " " + attestation)) {
            ScenarioResult other = outcome.scenario(untouched);
            assertThat(other.status()).as(other.name() + ": " + other.message()).isEqualTo(ScenarioStatus.PASSED);
        }
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    /**
     * Scenarios a defect does not touch, by defect and attestation: they must still pass with it on. A device that
     * registers under another id breaks every scenario (each judges its registration), so that one has none.
     */
    private static final java.util.Map<String, List<String>> UNTARGETED = java.util.Map.of(
            "no-hub-connection symmetric-key", List.of("A device that signs with a key that is not its own",
                    "A device whose individual enrollment is disabled", "A device whose key is not enrolled",
                    "The device waits as long as DPS asks"),
            "wrong-hub symmetric-key", List.of("A device that signs with a key that is not its own",
                    "A device whose individual enrollment is disabled", "A device whose key is not enrolled",
                    "The device waits as long as DPS asks"),
            "wrong-hub x509", List.of("A device whose enrollment is disabled", "The device waits as long as DPS asks",
                    "A device whose certificate is not enrolled", "The device presents the certificate it was issued"),
            "wrong-registration-id symmetric-key", List.of(),
            "ignores-retry-after symmetric-key", List.of("An individually enrolled device is assigned",
                    "A device of an enrollment group is assigned", "A device whose individual enrollment is disabled",
                    "A device whose key is not enrolled"),
            "other-certificate x509", List.of("A device whose certificate is not enrolled"));

    @ParameterizedTest(name = "a {0} program that prints its key fails every scenario that gave it one")
    @CsvSource({"NODE"})
    void aProgramThatPrintsItsKeyFailsWithTheLineMasked(Program program, @TempDir Path dir) throws Exception {
        Runs.Outcome outcome = run(dir, rig(dir, program, "symmetric-key", "https", "stock", "prints-key"),
                SYMMETRIC_KEY);
        assertThat(outcome.summary().scenarios()).as(outcome.output()).isNotEmpty().allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
            assertThat(s.message()).contains("the device printed a secret the harness gave it on its console, line 1")
                    .contains("«masked»");
        });
        assertThat(outcome.secrets().leaking()).isEmpty();
    }
}
