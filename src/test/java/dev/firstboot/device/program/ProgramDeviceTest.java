package dev.firstboot.device.program;

import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.rig.PartConfigs;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.SymmetricKeyFacet;
import dev.firstboot.rig.TpmFacet;
import dev.firstboot.identity.tpm.TpmRegistrationIds;
import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Timeline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The program device with real processes: small shell programs that behave well, exit early, flood or hang. */
class ProgramDeviceTest {
    private static final Duration VERDICT = Duration.ofSeconds(10);
    private static final String KEY = "c2VjcmV0LWtleS1vZi10aGUtZGV2aWNlLTAxMjM0NTY3";

    @TempDir
    Path dir;
    private final Redactor redactor = new Redactor();
    private final Timeline timeline = new Timeline(redactor);
    private final List<Device> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Device::close);
    }

    private Device device(String fields) throws Exception {
        Path rig = dir.resolve("rig.yaml");
        Files.writeString(rig, "name: t\ndevice:\n  kind: program\n" + fields.indent(2));
        var spec = new ProgramDeviceProvider().configure(PartConfigs.device(rig));
        DeviceEndpoints endpoints = new DeviceEndpoints(URI.create("https://127.0.0.1:4443"), "0ne00AB0001",
                TestPki.create().caCertificate(), Map.of("127.0.0.1", new InetSocketAddress("127.0.0.1", 18883)),
                Optional.of(new InetSocketAddress("127.0.0.1", 18884)));
        Files.createDirectories(dir.resolve("work"));
        Device d = spec.start(new RigContext("t", timeline, redactor, dir.resolve("work"), endpoints));
        started.add(d);
        return d;
    }

    private static void giveKey(Device d) {
        d.facet(SymmetricKeyFacet.class).orElseThrow().provisionKey(java.util.Base64.getDecoder().decode(KEY));
    }

    @Test
    void theProgramGetsItsVariablesInItsEnvironmentAndAsPlaceholders() throws Exception {
        Device d = device("""
                command: 'echo "scope={FIRSTBOOT_ID_SCOPE} id=$FIRSTBOOT_REGISTRATION_ID dps=$FIRSTBOOT_DPS_HOST:{FIRSTBOOT_DPS_HTTPS_PORT} mqtt=$FIRSTBOOT_DPS_MQTT_PORT hub=$FIRSTBOOT_HUB_HOSTS:$FIRSTBOOT_HUB_MQTT_PORT via=$FIRSTBOOT_TRANSPORT as=$FIRSTBOOT_ATTESTATION extra=$EXTRA"; head -1 "$FIRSTBOOT_TRUST_PEM"; echo "firstboot-ref: connected hub=127.0.0.1 device=d1"'
                registration-id: unit-42
                environment:
                  EXTRA: from-the-rig
                """);
        giveKey(d);
        d.boot();
        assertThat(d.awaitBoot(VERDICT)).isEqualTo(new BootReport.Connected("127.0.0.1", "d1"));
        assertThat(d.consoleLog()).startsWith("scope=0ne00AB0001 id=unit-42 dps=127.0.0.1:4443 mqtt=18884 "
                + "hub=127.0.0.1:18883 via=https as=symmetric-key extra=from-the-rig", "-----BEGIN CERTIFICATE-----");
        assertThat(timeline.events(e -> e.kind() == EventKind.DEVICE_MILESTONE))
                .anySatisfy(e -> assertThat(e.attributes()).containsEntry("milestone", "hub-connected")
                        .containsEntry("hub", "127.0.0.1").containsEntry("device", "d1"));
    }

    @Test
    void aKeyTheProgramPrintsIsMaskedOnItsConsoleAndTheTimeline() throws Exception {
        Device d = device("command: [sh, -c, 'echo \"my key is $FIRSTBOOT_SYMMETRIC_KEY\"; exit 0']");
        giveKey(d);
        d.boot();
        d.awaitBoot(VERDICT);
        assertThat(d.consoleLog()).containsExactly("my key is " + Redactor.MASK);
        assertThat(timeline.render()).doesNotContain(KEY);
    }

    @Test
    void aProgramThatExitsBeforeItsVerdictFailsWithItsLastLines() throws Exception {
        Device d = device("command: 'echo starting up; echo firstboot-ref: registering x over https; exit 3'");
        giveKey(d);
        d.boot();
        BootReport r = d.awaitBoot(VERDICT);
        assertThat(r).isInstanceOf(BootReport.Failed.class);
        assertThat(((BootReport.Failed) r).reason()).contains("exited with code 3")
                .contains("starting up | firstboot-ref: registering x over https");
        assertThat(timeline.events(e -> e.kind() == EventKind.DEVICE_MILESTONE
                && e.detail("milestone").equals("failed"))).hasSize(1);
    }

    @Test
    void aProgramThatCannotBeFoundFailsAtOnce() throws Exception {
        Device d = device("command: [./no-such-device-program, --flag]");
        giveKey(d);
        d.boot();
        BootReport r = d.awaitBoot(VERDICT);
        assertThat(((BootReport.Failed) r).reason()).contains("127: the command was not found")
                .contains("no-such-device-program");
    }

    @Test
    void aProgramThatIsNotInstalledMakesItsScenariosUnavailable() throws Exception {
        Path rig = dir.resolve("missing.yaml");
        Files.writeString(rig, "name: t\ndevice:\n  kind: program\n  command: [no-such-program-anywhere]\n");
        var spec = new ProgramDeviceProvider().configure(PartConfigs.device(rig));
        assertThat(spec.unavailable()).containsKey("symmetric-key");
        assertThat(spec.unavailable().get("symmetric-key")).contains("\"no-such-program-anywhere\" is not installed");
        Files.writeString(rig, "name: t\ndevice:\n  kind: program\n  command: 'exec no-such-program-either --x'\n");
        assertThat(new ProgramDeviceProvider().configure(PartConfigs.device(rig)).unavailable().get("symmetric-key"))
                .contains("\"no-such-program-either\" is not installed");
        Files.writeString(rig, "name: t\ndevice:\n  kind: program\n  command: 'exec sh -c true'\n");
        assertThat(new ProgramDeviceProvider().configure(PartConfigs.device(rig)).unavailable()).isEmpty();
    }

    @Test
    void aFloodingProgramIsKilledAndFails() throws Exception {
        Device d = device("""
                command: [yes, flood]
                output-limit: 50
                """);
        giveKey(d);
        d.boot();
        BootReport r = d.awaitBoot(VERDICT);
        assertThat(((BootReport.Failed) r).reason()).contains("flooded its output: more than 50 lines")
                .contains("flood | flood");
        assertThat(d.consoleLog()).hasSize(50);
    }

    @Test
    void aSilentProgramFailsAfterItsStartDeadline() throws Exception {
        Device d = device("""
                command: [sleep, "30"]
                start-deadline: 300ms
                """);
        giveKey(d);
        d.boot();
        BootReport r = d.awaitBoot(VERDICT);
        assertThat(((BootReport.Failed) r).reason()).contains("printed nothing within 0.3 s");
    }

    @Test
    void aProgramThatIgnoresSigtermIsKilledWithItsWholeGroupAfterTheStopDeadline() throws Exception {
        Path pids = dir.resolve("pids");
        Device d = device("""
                command: 'trap "" TERM; sleep 300 & echo "$$ $!" > %s; echo ready; while true; do sleep 0.2; done'
                stop-deadline: 500ms
                """.formatted(pids));
        giveKey(d);
        d.boot();
        timeline.await(e -> e.kind() == EventKind.CONSOLE_LINE && e.detail("line").equals("ready"), VERDICT);
        List<ProcessHandle> processes = new ArrayList<>();
        for (String pid : Files.readString(pids).trim().split(" ")) {
            processes.add(ProcessHandle.of(Long.parseLong(pid)).orElseThrow());
        }
        long start = System.nanoTime();
        d.resetForScenario();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isBetween(Duration.ofMillis(450), Duration.ofSeconds(8));
        for (ProcessHandle p : processes) {
            p.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(p.isAlive()).as("pid " + p.pid()).isFalse();
        }
        // a program stopped by the harness is not a failed boot
        assertThat(timeline.events(e -> e.kind() == EventKind.DEVICE_MILESTONE)).isEmpty();
    }

    /**
     * A device's own key file is read only to know the key as a secret: masked in every form from the rig's start;
     * a key that is not the certificate's, or one without a certificate, is a rig-file error.
     */
    @Test
    void aDevicesOwnPrivateKeyIsASecretFromTheStartAndMustBeItsCertificatesKey() throws Exception {
        TestPki pki = TestPki.create();
        dev.firstboot.pki.KeyMaterial own = pki.issueClient("own-key-device-01");
        Files.writeString(dir.resolve("device.pem"), own.chainPem());
        dev.firstboot.pki.CaFiles.writePrivate(dir.resolve("device-key.pem"), own.privateKeyPem());
        String fields = """
                command: [sleep, '1']
                attestation: x509
                registration-id: own-key-device-01
                certificate: %s
                private-key: %s
                """;
        device(fields.formatted(dir.resolve("device.pem"), dir.resolve("device-key.pem")));
        String d = String.format("%064x", ((java.security.interfaces.ECPrivateKey) own.key()).getS());
        assertThat(redactor.mask("key " + d.substring(8, 40))).isEqualTo("key " + Redactor.MASK);
        assertThat(redactor.leaks(own.privateKeyPem())).isTrue();
        assertThat(redactor.leaks(own.chainPem())).isFalse();

        dev.firstboot.pki.CaFiles.writePrivate(dir.resolve("other-key.pem"), pki.issueClient("other").privateKeyPem());
        assertThatThrownBy(() -> device(fields.formatted(dir.resolve("device.pem"), dir.resolve("other-key.pem"))))
                .isInstanceOf(RigException.class).hasMessageContaining("device.private-key")
                .hasMessageContaining("is not the key of device.certificate");
        Files.writeString(dir.resolve("not-a-key.pem"), own.chainPem());
        assertThatThrownBy(() -> device(fields.formatted(dir.resolve("device.pem"), dir.resolve("not-a-key.pem"))))
                .isInstanceOf(RigException.class).hasMessageContaining("expected an unencrypted 'PRIVATE KEY'")
                .hasMessageNotContaining("BEGIN CERTIFICATE");
        assertThatThrownBy(() -> device("command: [sleep, '1']\nattestation: x509\nprivate-key: "
                + dir.resolve("device-key.pem")))
                .isInstanceOf(RigException.class).hasMessageContaining("rig.yaml:6:")
                .hasMessageContaining("goes with the device's own certificate");
    }

    @Test
    void aScenarioThatGaveNoKeyIsToldSo() throws Exception {
        Device d = device("command: [sleep, '1']");
        assertThatThrownBy(d::boot).hasMessageContaining("was given no key");
    }

    @Test
    void rigFieldsAreCheckedWithTheirLine() throws Exception {
        Path rig = dir.resolve("bad.yaml");
        Files.writeString(rig, """
                name: t
                device:
                  kind: program
                  command: [dev, '{FIRSTBOOT_DPS_PORT}']
                """);
        assertThatThrownBy(() -> new ProgramDeviceProvider().configure(PartConfigs.device(rig)))
                .isInstanceOf(RigException.class).hasMessageContaining("bad.yaml:4:")
                .hasMessageContaining("unknown placeholder {FIRSTBOOT_DPS_PORT}");
        Files.writeString(rig, """
                name: t
                device:
                  kind: program
                  command: [dev]
                  milestones:
                    hub-connected: 'connected ('
                    failed: 'failed'
                """);
        assertThatThrownBy(() -> new ProgramDeviceProvider().configure(PartConfigs.device(rig)))
                .hasMessageContaining("bad.yaml:6:").hasMessageContaining("not a valid regular expression");
        Files.writeString(rig, """
                name: t
                device:
                  kind: program
                  command: [dev]
                  attestation: tpm
                  transport: mqtt
                """);
        assertThatThrownBy(() -> new ProgramDeviceProvider().configure(PartConfigs.device(rig)))
                .hasMessageContaining("bad.yaml:6:").hasMessageContaining("never over MQTT");
        Files.writeString(rig, """
                name: t
                device:
                  kind: program
                  command: [dev]
                  attestation: tpm
                  registration-id: my-own-id
                """);
        assertThatThrownBy(() -> new ProgramDeviceProvider().configure(PartConfigs.device(rig)))
                .hasMessageContaining("bad.yaml:6:").hasMessageContaining("derived from the EK");
        Files.writeString(rig, """
                name: t
                device:
                  kind: program
                  command: [dev]
                  tpm-protocol: mssim
                """);
        assertThatThrownBy(() -> new ProgramDeviceProvider().configure(PartConfigs.device(rig)))
                .hasMessageContaining("bad.yaml:5:").hasMessageContaining("for attestation: tpm");
        Files.writeString(rig, """
                name: t
                device:
                  kind: program
                  command: [dev]
                  attestation: tpm
                  tpm-protocol: tcti
                """);
        assertThatThrownBy(() -> new ProgramDeviceProvider().configure(PartConfigs.device(rig)))
                .hasMessageContaining("bad.yaml:6:").hasMessageContaining("expected swtpm");
    }

    /**
     * attestation: tpm: each scenario's first use starts a swtpm (real; scripts/test.sh installs it, and without it
     * this test fails), the scenario enrolls its EK, the program gets swtpm's ports and the EK's registration id, and
     * the scenario's end stops that swtpm; the next scenario has a TPM of its own.
     */
    @Test
    void aTpmProgramGetsAFreshSwtpmPerScenarioWithTheIdItsEkDerives() throws Exception {
        Device d = device("""
                command: [bash, -c, 'exec 3<>/dev/tcp/$FIRSTBOOT_TPM_HOST/$FIRSTBOOT_TPM_PORT && echo "tpm={FIRSTBOOT_TPM_HOST}:$FIRSTBOOT_TPM_PORT ctrl=$FIRSTBOOT_TPM_CTRL_PORT as=$FIRSTBOOT_ATTESTATION id=$FIRSTBOOT_REGISTRATION_ID"; echo "firstboot-ref: connected hub=127.0.0.1 device=d1"']
                attestation: tpm
                """);
        TpmFacet tpm = d.facet(TpmFacet.class).orElseThrow();
        assertThat(d.facet(SymmetricKeyFacet.class)).isEmpty();
        byte[] ek = tpm.endorsementKey();
        String id = TpmRegistrationIds.fromEndorsementKey(ek);
        assertThat(tpm.registrationId()).isEqualTo(id);
        d.boot();
        assertThat(d.awaitBoot(VERDICT)).isEqualTo(new BootReport.Connected("127.0.0.1", "d1"));
        String line = d.consoleLog().get(0);
        assertThat(line).matches("tpm=127\\.0\\.0\\.1:\\d+ ctrl=\\d+ as=tpm id=" + id);
        int port = Integer.parseInt(line.replaceAll("^tpm=[^:]+:(\\d+) .*", "$1"));
        assertThat(line).contains("ctrl=" + (port + 1));

        d.resetForScenario();
        assertThat(refused(port)).as("the scenario's swtpm stopped with it").isTrue();
        assertThat(tpm.endorsementKey()).as("the next scenario's TPM is a new one").isNotEqualTo(ek);
    }

    /** tpm-protocol: mssim serves the MS TPM simulator's ports for the scenario and frees them at its end. */
    @Test
    void withTheMssimProtocolTheSimulatorsPortsAreServedForTheScenario() throws Exception {
        Device d = device("""
                command: [sleep, '1']
                attestation: tpm
                tpm-protocol: mssim
                """);
        d.facet(TpmFacet.class).orElseThrow().endorsementKey();
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", 2321)) {
            s.setSoTimeout(10_000);
            var out = new java.io.DataOutputStream(s.getOutputStream());
            var in = new java.io.DataInputStream(s.getInputStream());
            out.writeInt(15); // TPM_REMOTE_HANDSHAKE, client version 1
            out.writeInt(1);
            assertThat(new int[] {in.readInt(), in.readInt(), in.readInt()}).containsExactly(1, 1, 0);
        }
        assertThat(d.labels().get("tpm")).contains("2321");
        d.resetForScenario();
        assertThat(refused(2321)).isTrue();
        assertThat(refused(2322)).isTrue();
    }

    private static boolean refused(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
