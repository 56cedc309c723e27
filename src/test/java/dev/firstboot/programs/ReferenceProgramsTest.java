package dev.firstboot.programs;

import dev.firstboot.Required;
import dev.firstboot.identity.symkey.GroupKeys;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.programs.ReferencePrograms.Program;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.secret.Redactor;
import dev.firstboot.service.TestBackends;
import dev.firstboot.service.dps.TestCa;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.RetryAfterCheck;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference device programs, each as a real child process with the device-program contract's variables set by
 * hand, against the embedded emulators in this JVM: each registers (symmetric key, individual and group; X.509,
 * individual and group), connects to its assigned hub and sends telemetry, over HTTPS and MQTT, on the stock Azure
 * ports (443/8883 on random 127/8 addresses) and, for the Node program, on ephemeral ports. What the emulators saw is
 * the proof: the registration record, the hub's registry, the timeline. Each defect switch is then shown to make
 * the program misbehave as named.
 */
class ReferenceProgramsTest {
    private static final int STOCK_HTTPS = 443;
    private static final int STOCK_MQTT = 8883;
    /** One whole first boot of a program: JVM or Node start, registration, hub, telemetry. */
    private static final Duration RUN_DEADLINE = Duration.ofSeconds(120);
    /** How long a device that must not connect to a hub is watched after it was assigned. */
    private static final Duration NO_CONNECT_WATCH = Duration.ofSeconds(3);
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dir;

    private static final Timeline timeline = new Timeline(new Redactor());
    /** DPS on 443/8883 and hubs hub-a, hub-b on 8883, each on its own random 127/8 address. */
    private static Backend stock;
    private static Path stockTrust;
    /** Every listener on an ephemeral port; one hub. */
    private static Backend ephemeral;
    private static Path ephemeralTrust;

    @BeforeAll
    static void startEmulators() throws Exception {
        ephemeral = TestBackends.embeddedOn(timeline, ReferencePrograms.freeLoopback(0).orElseThrow(), 0, 0,
                Map.of("hub-a", ReferencePrograms.freeLoopback(0).orElseThrow()), 0);
        ephemeralTrust = trustFile(ephemeral, "ephemeral-ca.pem");
        Optional<String> dps = ReferencePrograms.freeLoopback(STOCK_HTTPS, STOCK_MQTT);
        Optional<String> hubA = ReferencePrograms.freeLoopback(STOCK_MQTT);
        Optional<String> hubB = ReferencePrograms.freeLoopback(STOCK_MQTT);
        if (dps.isPresent() && hubA.isPresent() && hubB.isPresent()) {
            Map<String, String> hubs = new LinkedHashMap<>();
            hubs.put("hub-a", hubA.get());
            hubs.put("hub-b", hubB.get());
            stock = TestBackends.embeddedOn(timeline, dps.get(), STOCK_HTTPS, STOCK_MQTT, hubs, STOCK_MQTT);
            stockTrust = trustFile(stock, "stock-ca.pem");
        }
    }

    @AfterAll
    static void stopEmulators() {
        if (stock != null) {
            stock.close();
        }
        if (ephemeral != null) {
            ephemeral.close();
        }
    }

    private static Backend stock() {
        Required.check(Required.Component.STOCK_PORTS, stock != null ? Optional.empty()
                : Optional.of("cannot bind ports 443 and 8883 on random 127/8 addresses"));
        return stock;
    }

    enum Ports { STOCK, EPHEMERAL }

    enum Attestation { SYMMETRIC_KEY, SYMMETRIC_KEY_GROUP, X509, X509_GROUP }

    static Stream<Arguments> firstBoots() {
        return Stream.of(
                Arguments.of(Program.NODE, Attestation.SYMMETRIC_KEY, "mqtt", Ports.EPHEMERAL),
                Arguments.of(Program.NODE, Attestation.X509, "https", Ports.EPHEMERAL),
                Arguments.of(Program.NODE, Attestation.SYMMETRIC_KEY_GROUP, "https", Ports.STOCK),
                Arguments.of(Program.NODE, Attestation.X509_GROUP, "mqtt", Ports.STOCK),
                Arguments.of(Program.JAVA, Attestation.SYMMETRIC_KEY, "https", Ports.STOCK),
                Arguments.of(Program.JAVA, Attestation.X509, "mqtt", Ports.STOCK));
    }

    @ParameterizedTest(name = "{0} {1} over {2}, {3} ports")
    @MethodSource("firstBoots")
    void theProgramRegistersConnectsToItsHubAndSendsTelemetry(Program program, Attestation attestation,
                                                             String transport, Ports ports) throws Exception {
        Backend backend = ports == Ports.STOCK ? stock() : ephemeral;
        Path trust = ports == Ports.STOCK ? stockTrust : ephemeralTrust;
        String id = registrationId(program, attestation.name() + "-" + transport + "-" + ports);
        EnrolledDevice device = enroll(backend, attestation, id, "hub-a");
        String hub = backend.hubHost("hub-a").orElseThrow();
        List<String> lines = runToExit(program, device.environment(backend, trust, transport, ""), 0);
        assertThat(lines).as("what the program printed").containsSubsequence(
                "firstboot-ref: registering " + id + " over " + transport,
                "firstboot-ref: assigned hub=" + hub + " device=" + id,
                "firstboot-ref: connected hub=" + hub + " device=" + id,
                "firstboot-ref: telemetry sent");
        device.key().ifPresent(key -> assertThat(String.join("\n", lines)).as("the key never printed")
                .doesNotContain(key));
        Backend.Registration record = backend.registration(id).orElseThrow();
        assertThat(record.status()).isEqualTo("assigned");
        assertThat(record.assignedHubHost()).contains(hub);
        Backend.HubDeviceState state = backend.hubDevice("hub-a", id).orElseThrow();
        assertThat(state.connectCount()).as("hub connections").isEqualTo(1);
        assertThat(state.telemetryCount()).as("telemetry messages").isEqualTo(1);
        assertThat(events(EventKind.DPS_REQUEST, id)).as("DPS requests").allSatisfy(e ->
                assertThat(e.detail("transport")).isEqualTo(transport));
        assertThat(RetryAfterCheck.judge(dpsExchanges(id))).as("retry-after")
                .isNotInstanceOf(RetryAfterCheck.Result.Violated.class);
        if (attestation == Attestation.X509_GROUP) {
            assertThat(record.presentedChains()).allSatisfy(chain -> assertThat(chain).as("leaf and intermediate")
                    .hasSize(2));
        }
    }

    /** The Java SDK's MQTT transports dial 8883 only: the program says so instead of dialling the wrong port. */
    @Test
    void theJavaProgramSaysWhyItCannotUseAnotherMqttPort() throws Exception {
        String id = registrationId(Program.JAVA, "ephemeral-mqtt");
        EnrolledDevice device = enroll(ephemeral, Attestation.SYMMETRIC_KEY, id, "hub-a");
        assertThat(runToExit(Program.JAVA, device.environment(ephemeral, ephemeralTrust, "mqtt", ""), 1))
                .anySatisfy(line -> assertThat(line).startsWith("firstboot-ref: failed: the Azure IoT Java SDK's MQTT"
                        + " provisioning transport dials port 8883 only, but FIRSTBOOT_DPS_MQTT_PORT is "
                        + ephemeral.deviceEndpoints().dpsMqtt().orElseThrow().getPort()));
        assertThat(events(EventKind.DPS_REQUEST, id)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Program.class)
    void noHubConnectionRegistersButNeverConnects(Program program) throws Exception {
        Backend backend = stock();
        String id = registrationId(program, "no-hub-connection");
        EnrolledDevice device = enroll(backend, Attestation.SYMMETRIC_KEY, id, "hub-a");
        try (ProgramRun run = ProgramRun.start(program.command(), device.environment(backend, stockTrust, "https",
                "no-hub-connection"))) {
            assertThat(run.awaitLine("firstboot-ref: assigned hub=", RUN_DEADLINE)).as(run::output).isPresent();
            // Watching for a connection that must not come: the deadline is the point.
            assertThat(timeline.await(e -> e.kind() == EventKind.HUB_CONNECT && e.subject().equals(id),
                    NO_CONNECT_WATCH)).as("a hub connection of %s", id).isEmpty();
            assertThat(run.alive()).as("still up, assigned and silent; output:\n%s", run.output()).isTrue();
            assertThat(run.lines()).noneMatch(l -> l.contains("connected") || l.contains("telemetry"));
        }
        assertThat(backend.registration(id).orElseThrow().status()).isEqualTo("assigned");
    }

    @ParameterizedTest
    @EnumSource(Program.class)
    void wrongHubConnectsToAnotherHubAndSaysItIsConnectedThere(Program program) throws Exception {
        Backend backend = stock();
        String id = registrationId(program, "wrong-hub");
        EnrolledDevice device = enroll(backend, Attestation.SYMMETRIC_KEY, id, "hub-a");
        String other = backend.hubHost("hub-b").orElseThrow();
        assertThat(runToExit(program, device.environment(backend, stockTrust, "mqtt", "wrong-hub"), 0))
                .contains("firstboot-ref: connected hub=" + other + " device=" + id);
        assertThat(events(EventKind.HUB_CONNECT, id)).as("hub connections of %s", id).isNotEmpty()
                .allSatisfy(e -> assertThat(e.detail("hub")).isEqualTo("hub-b"));
        assertThat(backend.hubDevice("hub-a", id).map(Backend.HubDeviceState::connectCount)).contains(0);
        // the defect is the hub it dials, nothing else: it registered as a conforming program does
        Backend.Registration record = backend.registration(id).orElseThrow();
        assertThat(record.status()).isEqualTo("assigned");
        assertThat(record.assignedHubHost()).contains(backend.hubHost("hub-a").orElseThrow());
    }

    @ParameterizedTest
    @EnumSource(Program.class)
    void wrongRegistrationIdRegistersUnderAnotherId(Program program) throws Exception {
        Backend backend = stock();
        String id = registrationId(program, "wrong-id");
        EnrolledDevice device = enroll(backend, Attestation.SYMMETRIC_KEY, id, "hub-a");
        assertThat(runToExit(program, device.environment(backend, stockTrust, "https", "wrong-registration-id"), 1))
                .contains("firstboot-ref: registering " + id + "-x over https")
                .anySatisfy(l -> assertThat(l).startsWith("firstboot-ref: failed: "));
        assertThat(events(EventKind.DPS_REQUEST, id + "-x")).isNotEmpty();
        assertThat(events(EventKind.DPS_REQUEST, id)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Program.class)
    void otherCertificatePresentsAFreshSelfSignedCertificate(Program program) throws Exception {
        Backend backend = stock();
        String id = registrationId(program, "other-cert");
        EnrolledDevice device = enroll(backend, Attestation.X509, id, "hub-a");
        assertThat(runToExit(program, device.environment(backend, stockTrust, "https", "other-certificate"), 1))
                .anySatisfy(l -> assertThat(l).startsWith("firstboot-ref: failed: "));
        List<List<byte[]>> presented = backend.registration(id).orElseThrow().presentedChains();
        assertThat(presented).as("chains %s presented", id).isNotEmpty().allSatisfy(chain -> {
            assertThat(Certificates.sha256Thumbprint(chain.get(0)))
                    .isNotEqualTo(Certificates.sha256Thumbprint(device.leafDer()));
            assertThat(Certificates.commonName(certificate(chain.get(0)))).contains(id);
        });
    }

    @ParameterizedTest
    @EnumSource(Program.class)
    void ignoresRetryAfterPollsInATightLoopAndStillBoots(Program program) throws Exception {
        Backend backend = stock();
        String id = registrationId(program, "tight-loop");
        EnrolledDevice device = enroll(backend, Attestation.SYMMETRIC_KEY, id, "hub-a");
        Duration before = backend.retryAfter();
        backend.setRetryAfter(Duration.ofSeconds(3));
        try {
            assertThat(runToExit(program, device.environment(backend, stockTrust,
                    program == Program.NODE ? "mqtt" : "https", "ignores-retry-after"), 0))
                    .contains("firstboot-ref: telemetry sent");
        } finally {
            backend.setRetryAfter(before);
        }
        assertThat(RetryAfterCheck.judge(dpsExchanges(id))).isInstanceOf(RetryAfterCheck.Result.Violated.class);
        assertThat(backend.hubDevice("hub-a", id).orElseThrow().telemetryCount()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Program.class)
    void printsKeyPrintsTheSymmetricKey(Program program) throws Exception {
        Backend backend = stock();
        String id = registrationId(program, "prints-key");
        EnrolledDevice device = enroll(backend, Attestation.SYMMETRIC_KEY, id, "hub-a");
        assertThat(runToExit(program, device.environment(backend, stockTrust, "https", "prints-key"), 0))
                .contains("firstboot-ref: symmetric key " + device.key().orElseThrow(), "firstboot-ref: telemetry sent");
        // the defect is the printed key, nothing else: it registered, connected and sent telemetry
        assertThat(backend.registration(id).orElseThrow().status()).isEqualTo("assigned");
        assertThat(backend.hubDevice("hub-a", id).orElseThrow().telemetryCount()).isEqualTo(1);
    }

    /** Bad input is a clear reason, not a stack trace. */
    @ParameterizedTest
    @EnumSource(Program.class)
    void aMissingVariableIsAClearFailure(Program program) throws Exception {
        EnrolledDevice device = enroll(ephemeral, Attestation.SYMMETRIC_KEY, registrationId(program, "bad-input"), "hub-a");
        Map<String, String> env = new LinkedHashMap<>(device.environment(ephemeral, ephemeralTrust, "https", ""));
        env.remove("FIRSTBOOT_ID_SCOPE");
        assertThat(runToExit(program, env, 1)).containsExactly("firstboot-ref: failed: FIRSTBOOT_ID_SCOPE is not"
                + " set; give the DPS ID scope");
    }

    /** Runs {@code program} with {@code environment} until it exits, which must be with {@code exit}; its lines. */
    private static List<String> runToExit(Program program, Map<String, String> environment, int exit)
            throws Exception {
        try (ProgramRun run = ProgramRun.start(program.command(), environment)) {
            assertThat(run.awaitExit(RUN_DEADLINE)).as("exit code within %s s; output:\n%s", RUN_DEADLINE.toSeconds(),
                    run.output()).contains(exit);
            return run.lines();
        }
    }

    /**
     * The wall: the Java device program meets the emulators only over sockets, so it imports no firstboot code but
     * the device side's own TPM client (TSS.Java to swtpm over TCP), which it drives under the SDK's TPM provider.
     */
    @Test
    void theJavaProgramImportsOnlyTheSdkLibrariesAndOurDeviceSideTpmClient() throws IOException {
        for (String file : List.of("JavaDeviceProgram.java", "SdkTpmProvider.java")) {
            Path source = Path.of("src", "test", "java", "dev", "firstboot", "programs", file);
            assertThat(Files.readAllLines(source)).as(file).filteredOn(l -> l.startsWith("import "))
                    .allSatisfy(l -> assertThat(l).matches("import (static )?(java|javax|com\\.microsoft\\.azure"
                            + "\\.sdk\\.iot|org\\.bouncycastle|org\\.eclipse\\.paho|com\\.fasterxml\\.jackson)\\..*;"
                            + "|import dev\\.firstboot\\.device\\.tpm\\.TpmDevice;"
                            + "|import dev\\.firstboot\\.rig\\.DeviceException;"));
        }
    }

    /** A device the test enrolled, and the credential the contract hands its program. */
    record EnrolledDevice(String registrationId, Optional<String> key, Optional<KeyMaterial> x509, Path files) {
        byte[] leafDer() {
            return Certificates.der(x509.orElseThrow().leaf());
        }

        /** The contract's variables, as the harness would set them for this backend. */
        Map<String, String> environment(Backend backend, Path trust, String transport, String defects)
                throws IOException {
            DeviceEndpoints endpoints = backend.deviceEndpoints();
            Map<String, String> env = new LinkedHashMap<>();
            env.put("FIRSTBOOT_DPS_HOST", endpoints.dps().getHost());
            env.put("FIRSTBOOT_DPS_HTTPS_PORT", Integer.toString(endpoints.dps().getPort()));
            env.put("FIRSTBOOT_DPS_MQTT_PORT", Integer.toString(endpoints.dpsMqtt().orElseThrow().getPort()));
            List<InetSocketAddress> hubs = List.copyOf(endpoints.hubAddresses().values());
            env.put("FIRSTBOOT_HUB_MQTT_PORT", Integer.toString(hubs.get(0).getPort()));
            env.put("FIRSTBOOT_HUB_HOSTS", String.join(",", backend.hubNames().stream().sorted()
                    .map(h -> backend.hubHost(h).orElseThrow()).toList()));
            env.put("FIRSTBOOT_ID_SCOPE", endpoints.idScope());
            env.put("FIRSTBOOT_REGISTRATION_ID", registrationId);
            env.put("FIRSTBOOT_TRANSPORT", transport);
            env.put("FIRSTBOOT_TRUST_PEM", trust.toString());
            if (key.isPresent()) {
                env.put("FIRSTBOOT_ATTESTATION", "symmetric-key");
                env.put("FIRSTBOOT_SYMMETRIC_KEY", key.get());
            } else {
                KeyMaterial material = x509.orElseThrow();
                StringBuilder chain = new StringBuilder();
                material.chain().forEach(c -> chain.append(pem("CERTIFICATE", Certificates.der(c))));
                env.put("FIRSTBOOT_ATTESTATION", "x509");
                env.put("FIRSTBOOT_CERT_PEM", Files.writeString(files.resolve("cert.pem"), chain).toString());
                env.put("FIRSTBOOT_KEY_PEM", Files.writeString(files.resolve("key.pem"),
                        pem("PRIVATE KEY", material.key().getEncoded())).toString());
            }
            if (!defects.isEmpty()) {
                env.put("FIRSTBOOT_REFERENCE_DEFECTS", defects);
            }
            return env;
        }
    }

    private static EnrolledDevice enroll(Backend backend, Attestation attestation, String id, String hub)
            throws IOException {
        Path files = Files.createDirectories(dir.resolve(id));
        switch (attestation) {
            case SYMMETRIC_KEY -> {
                byte[] key = randomKey();
                backend.enrollSymmetricKeyIndividual(id, key, Optional.empty(), hub, true);
                return new EnrolledDevice(id, Optional.of(Base64.getEncoder().encodeToString(key)), Optional.empty(), files);
            }
            case SYMMETRIC_KEY_GROUP -> {
                byte[] groupKey = randomKey();
                backend.enrollSymmetricKeyGroup("group-" + id, groupKey, hub, true);
                return new EnrolledDevice(id, Optional.of(Base64.getEncoder().encodeToString(GroupKeys.derive(groupKey, id))),
                        Optional.empty(), files);
            }
            case X509 -> {
                KeyMaterial key = TestPki.selfSigned(id);
                backend.enrollX509Individual(id, Certificates.der(key.leaf()), Optional.empty(), hub, true);
                return new EnrolledDevice(id, Optional.empty(), Optional.of(key), files);
            }
            case X509_GROUP -> {
                TestCa root = TestCa.root("fleet-root-" + id);
                KeyMaterial key = root.intermediate("fleet-intermediate-" + id).leaf(id);
                backend.enrollX509Group("group-" + id, root.der(), hub, true);
                return new EnrolledDevice(id, Optional.empty(), Optional.of(key), files);
            }
            default -> throw new IllegalArgumentException(attestation.name());
        }
    }

    private static String registrationId(Program program, String what) {
        return ("ref-" + program + "-" + what).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static List<TimelineEvent> events(EventKind kind, String subject) {
        return timeline.events(e -> e.kind() == kind && e.subject().equals(subject));
    }

    private static List<TimelineEvent> dpsExchanges(String id) {
        Predicate<TimelineEvent> exchange = e -> e.subject().equals(id)
                && (e.kind() == EventKind.DPS_REQUEST || e.kind() == EventKind.DPS_RESPONSE);
        return timeline.events(exchange);
    }

    private static Path trustFile(Backend backend, String name) throws IOException {
        return Files.writeString(dir.resolve(name), pem("CERTIFICATE",
                Certificates.der(backend.deviceEndpoints().trustAnchor())));
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static java.security.cert.X509Certificate certificate(byte[] der) {
        try {
            return (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }
}
