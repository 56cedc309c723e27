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
 * the scenarios it does not target still pass. The Java program also runs the TPM features with a swtpm per scenario,
 * directly and behind the Microsoft TPM simulator protocol. One rig start per configuration.
 */
class ProgramRigRunTest {
    static final Path SYMMETRIC_KEY = Runs.FEATURES.resolve("symmetric-key");
    static final Path X509_ISSUED = Runs.FEATURES.resolve("identity").resolve("x509-issued-certificate.feature");
    static final Path TPM = Runs.FEATURES.resolve("tpm").resolve("tpm-attestation.feature");

    /** A program rig in {@code dir}: the program, how it proves who it is, how it reaches DPS, the ports, defects. */
    static Path rig(Path dir, Program program, String attestation, String transport, String ports, String defects)
            throws Exception {
        return rig(dir, program, attestation, transport, ports, defects, "");
    }

    /** As above, with more device fields ({@code device} lines, indented as under it). */
    static Path rig(Path dir, Program program, String attestation, String transport, String ports, String defects,
                    String deviceFields) throws Exception {
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
                """.formatted(name, ports, command, attestation, transport, json(defects))
                + deviceFields.indent(2));
        return file;
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static Runs.Outcome run(Path dir, Path rig, Path... features) throws Exception {
        return Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(), features);
    }

    /** The scenarios of {@code feature} whose names start with {@code names}, as FILE.feature:LINE selectors. */
    static Path[] scenarios(Path feature, List<String> names) throws Exception {
        List<String> lines = Files.readAllLines(feature);
        List<Path> out = new java.util.ArrayList<>();
        for (String name : names) {
            int line = 0;
            for (int i = 0; i < lines.size() && line == 0; i++) {
                if (lines.get(i).trim().startsWith("Scenario: " + name)) {
                    line = i + 1;
                }
            }
            assertThat(line).as("a scenario named \"" + name + "…\" in " + feature).isPositive();
            out.add(Path.of(feature + ":" + line));
        }
        return out.toArray(Path[]::new);
    }

    /**
     * Each program passes every scenario of its attestation on one transport and port mode, and the other
     * dimensions are covered across the rows: Node on HTTPS and MQTT, ephemeral and stock ports; Java on HTTPS with
     * only the hub on 8883 (its SDK dials 8883 for MQTT whatever it is given) and on MQTT with stock ports.
     */
    @ParameterizedTest(name = "{0} {1} over {2}, ports {3}")
    @CsvSource(delimiter = '|', value = {
            "NODE | symmetric-key | https | ephemeral",
            "NODE | x509          | mqtt  | stock",
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

    /**
     * Each defect of the Node reference program (the Java one has the same switches; ReferenceProgramsTest shows
     * them) against the scenario that targets it and scenarios it leaves alone, which must still pass. Only those
     * scenarios run, to keep the suite short: a caught defect waits out its step's limit.
     */
    @ParameterizedTest(name = "defect {0} is caught by \"{2}\"")
    @CsvSource(delimiter = '|', value = {
            "no-hub-connection     | symmetric-key | An individually enrolled device is assigned | expected kitchen-sensor to connect to hub hub-a within 10 s, but no hub saw a connection attempt | A device whose key is not enrolled",
            "wrong-hub             | symmetric-key | An individually enrolled device is assigned | the hubs answered only: [kitchen-sensor at hub-b → return code | A device whose individual enrollment is disabled",
            "wrong-registration-id | symmetric-key | An individually enrolled device is assigned | it received requests only for registration ids [program-device-01-x] | ",
            "ignores-retry-after   | symmetric-key | The device waits as long as DPS asks        | the device did not honour retry-after | A device of an enrollment group is assigned",
            "other-certificate     | x509          | The device presents the certificate it was issued | the certificate the device presented to DPS is not the certificate the harness issued it | A device whose certificate is not enrolled",
    })
    void eachDefectIsCaughtAndTheScenariosItDoesNotTargetStillPass(String defect, String attestation, String scenario,
                                                                   String message, String untouched, @TempDir Path dir)
            throws Exception {
        Path feature = attestation.equals("x509") ? X509_ISSUED
                : SYMMETRIC_KEY.resolve("symmetric-key-attestation.feature");
        List<String> names = untouched == null ? List.of(scenario) : List.of(scenario, untouched);
        Runs.Outcome outcome = run(dir, rig(dir, Program.NODE, attestation, "https", "stock", defect),
                scenarios(feature, names));
        assertCaught(outcome, scenario, message, untouched);
    }

    /**
     * The Java program with a TPM (swtpm, through the SDK's TPM provider on TSS.Java) passes every TPM scenario a
     * program can run, over HTTPS, the one transport the SDK and DPS do TPM on: the EK the harness enrolled, DPS's
     * challenge, the boot phases, refusals. It dials swtpm's own ports, or with tpm-protocol: mssim the Microsoft
     * simulator's 127.0.0.1:2321 that the harness serves in front of swtpm. The scenarios that need the harness to
     * make the TPM misbehave are not applicable, with the reason.
     */
    @ParameterizedTest(name = "Java with a TPM, tpm-protocol {0}")
    @CsvSource({"swtpm, ''", "mssim, 'FIRSTBOOT_REFERENCE_TPM: mssim'"})
    void theJavaProgramPassesEveryTpmScenarioAProgramCanRun(String protocol, String environment, @TempDir Path dir)
            throws Exception {
        Path rig = rig(dir, Program.JAVA, "tpm", "https", "{hub-mqtt: 8883}", "",
                "tpm-protocol: " + protocol + "\n");
        if (!environment.isEmpty()) {
            Files.writeString(rig, Files.readString(rig).replace("  environment:\n", "  environment:\n    "
                    + environment + "\n"));
        }
        Runs.Outcome outcome = run(dir, rig, TPM);
        List<ScenarioResult> ran = outcome.summary().scenarios().stream()
                .filter(s -> s.status() != ScenarioStatus.NOT_APPLICABLE).toList();
        assertThat(ran).as(outcome.output()).hasSize(4)
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.summary().scenarios()).filteredOn(s -> s.status() == ScenarioStatus.NOT_APPLICABLE)
                .extracting(ScenarioResult::name).containsExactlyInAnyOrder(
                        "A device whose clock is behind signs SAS tokens that have expired, and DPS refuses them",
                        "The hub refuses a SAS signed with a key DPS did not issue");
        assertThat(outcome.scenario("A device whose clock is behind").message()).contains("@tpm-faults");
        assertThat(outcome.scenario("answers the challenge").measurements()).extracting(m -> m.name())
                .contains("registration request → challenge", "challenge → activated", "activated → assigned");
        assertThat(attachments(outcome).contains("mssim bridge: command client"))
                .as("the program reached the TPM through the MS simulator's port").isEqualTo(protocol.equals("mssim"));
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    /** The text of every attachment of a run (the timelines, the consoles). */
    private static String attachments(Runs.Outcome outcome) throws Exception {
        StringBuilder out = new StringBuilder();
        try (var files = Files.list(outcome.runDirectory().resolve("allure-results"))) {
            for (Path p : files.filter(p -> p.getFileName().toString().contains("-attachment")).toList()) {
                out.append(Files.readString(p));
            }
        }
        return out.toString();
    }

    /**
     * The Java program's TPM defects against the TPM scenario that targets each: one that asks for a new challenge
     * again and again after its TPM refused a blob, and one that registers under an id other than its EK's.
     */
    @ParameterizedTest(name = "TPM defect {0} is caught by \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "endless-activation-retries | A tampered activation blob | before it gave up; it must stop after 3 | An endorsement key that is not enrolled",
            "wrong-registration-id      | The registration id is the one derived | but the id derived from its endorsement key (base32 | ",
    })
    void eachTpmDefectOfTheJavaProgramIsCaught(String defect, String scenario, String message, String untouched,
                                                @TempDir Path dir) throws Exception {
        List<String> names = untouched == null ? List.of(scenario) : List.of(scenario, untouched);
        Runs.Outcome outcome = run(dir, rig(dir, Program.JAVA, "tpm", "https", "{hub-mqtt: 8883}", defect),
                scenarios(TPM, names));
        assertCaught(outcome, scenario, message, untouched);
    }

    /**
     * A device that prints a secret it was given fails, by the rule that holds for every device; with the key printed
     * at every boot, every scenario that gave it one fails so, and the reports still hold the key only masked.
     */
    @org.junit.jupiter.api.Test
    void aProgramThatPrintsItsKeyFailsWithTheLineMasked(@TempDir Path dir) throws Exception {
        Path feature = SYMMETRIC_KEY.resolve("symmetric-key-attestation.feature");
        Runs.Outcome outcome = run(dir, rig(dir, Program.NODE, "symmetric-key", "https", "stock", "prints-key"),
                scenarios(feature, List.of("An individually enrolled device is assigned",
                        "A device whose key is not enrolled")));
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSize(2);
        outcome.everyScenarioFailedOnThePrintedSecret("firstboot-ref: symmetric key «masked»");
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    /**
     * A device with an identity of its own (here a certificate made for it beforehand, which the program is pointed
     * at by its own wrapper, never by the harness): the harness enrolls the declared leaf, and the device boots. The
     * rig declares the device's key too, which the harness only reads to know it as a secret: with prints-key the
     * program prints it at every boot, so both scenarios fail on that line, masked, and the reports hold no part of it.
     */
    @ParameterizedTest(name = "defects \"{0}\"")
    @CsvSource({"''", "prints-key"})
    void aDeviceWithItsOwnCertificateIsEnrolledAsDeclaredAndKeepsItsKey(String defects, @TempDir Path dir)
            throws Exception {
        dev.firstboot.pki.KeyMaterial own = dev.firstboot.pki.TestPki.create().issueClient("own-cert-device-07");
        Files.writeString(dir.resolve("device.pem"), own.chainPem());
        dev.firstboot.pki.CaFiles.writePrivate(dir.resolve("device-key.pem"), own.privateKeyPem());
        String node = String.join(" ", Program.NODE.command().stream().map(w -> "'" + w + "'").toList());
        Path rig = dir.resolve("own.yaml");
        Files.writeString(rig, """
                name: program-own-certificate
                backend:
                  kind: embedded
                  hubs: [hub-a]
                  addresses: per-part
                device:
                  kind: program
                  attestation: x509
                  registration-id: own-cert-device-07
                  certificate: device.pem
                  private-key: device-key.pem
                  command: %s
                  environment:
                    FIRSTBOOT_REFERENCE_DEFECTS: %s
                """.formatted(json("FIRSTBOOT_CERT_PEM=device.pem FIRSTBOOT_KEY_PEM=device-key.pem exec " + node),
                json(defects)));
        Runs.Outcome outcome = run(dir, rig, Runs.FEATURES.resolve("identity").resolve("own-identity.feature"));
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSize(2);
        if (defects.isEmpty()) {
            outcome.onlyTheseFailed(List.of());
        } else {
            outcome.everyScenarioFailedOnThePrintedSecret("\"firstboot-ref: private key «masked»\"");
        }
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    /**
     * A device with its own symmetric key, which the rig names only by the harness's environment variable that holds
     * it (so this runs in a child JVM with that variable set): the harness enrolls that key and knows it as a secret;
     * with prints-key the program prints it at every boot, so both scenarios fail on that line, masked.
     */
    @ParameterizedTest(name = "defects \"{0}\"")
    @CsvSource({"''", "prints-key"})
    void aDeviceWithItsOwnKeyInAVariableIsEnrolledAndKeepsItsKey(String defects, @TempDir Path dir) throws Exception {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        String base64 = java.util.Base64.getEncoder().encodeToString(key);
        String node = String.join(" ", Program.NODE.command().stream().map(w -> "'" + w + "'").toList());
        Path rig = dir.resolve("own-key.yaml");
        Files.writeString(rig, """
                name: program-own-key
                backend:
                  kind: embedded
                  hubs: [hub-a]
                  addresses: per-part
                device:
                  kind: program
                  attestation: symmetric-key
                  registration-id: own-key-device-08
                  symmetric-key-variable: OWN_DEVICE_KEY
                  command: %s
                  environment:
                    FIRSTBOOT_REFERENCE_DEFECTS: %s
                """.formatted(json("FIRSTBOOT_SYMMETRIC_KEY=\"$OWN_DEVICE_KEY\" exec " + node), json(defects)));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "run", "--rig", rig.toString(),
                "--features", Runs.FEATURES.resolve("identity").resolve("own-identity.feature").toString(),
                "--report", dir.resolve("reports").toString())
                .directory(Runs.PROJECT.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().put("OWN_DEVICE_KEY", base64);
        Process process = pb.start();
        boolean finished = process.waitFor(180, java.util.concurrent.TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        String output = Files.readString(dir.resolve("out.txt"));
        assertThat(finished).as("the run ended within 180 s; it printed:\n" + output).isTrue();
        if (defects.isEmpty()) {
            assertThat(process.exitValue()).as(output).isEqualTo(ExitCodes.PASSED);
            assertThat(output).contains("2 passed, 0 failed");
        } else {
            assertThat(process.exitValue()).as(output).isEqualTo(ExitCodes.FAILED);
            assertThat(output).contains("0 passed, 2 failed").doesNotContain("BUG: a secret");
            assertThat(output.lines().filter(l -> l.contains("↳ ")).toList()).hasSize(2).allSatisfy(l -> assertThat(l)
                    .contains("the device printed a secret on its console, line 1")
                    .contains("\"firstboot-ref: symmetric key «masked»\""));
        }
        assertThat(output).doesNotContain(base64.substring(0, 12));
    }

    /** The defect's scenario fails with {@code message}; the scenario it does not target (if named) passes. */
    private static void assertCaught(Runs.Outcome outcome, String scenario, String message, String untouched) {
        ScenarioResult judged = outcome.scenario(scenario);
        assertThat(judged.status()).as(outcome.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        if (untouched != null) {
            ScenarioResult other = outcome.scenario(untouched);
            assertThat(other.status()).as(other.name() + ": " + other.message()).isEqualTo(ScenarioStatus.PASSED);
        }
        assertThat(outcome.secrets().leaking()).isEmpty();
    }
}
