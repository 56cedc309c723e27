package dev.firstboot.sdk;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.IotHubMessageResult;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.twin.DirectMethodResponse;
import com.microsoft.azure.sdk.iot.device.twin.ReportedPropertiesUpdateResponse;
import com.microsoft.azure.sdk.iot.device.twin.Twin;
import com.microsoft.azure.sdk.iot.device.twin.TwinCollection;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClient;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientRegistrationResult;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientStatus;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientTransportProtocol;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProvider;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProviderSymmetricKey;
import dev.firstboot.Required;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.programs.JavaDeviceProgram;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.TestBackends;
import dev.firstboot.service.hub.C2dDelivery;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.service.hub.MethodOutcome;
import dev.firstboot.service.dps.TestCa;
import dev.firstboot.timeline.EventKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outside proof of the emulators with the stock Azure IoT Java device SDK: {@code provisioning-device-client}
 * registers each kind of device over HTTPS and over MQTT, then {@code iot-device-client} connects to the hub DPS
 * assigned, over MQTT, and does what the SDK samples do: telemetry, a direct method, a cloud-to-device message, a
 * twin GET and a reported-properties PATCH.
 * <p>
 * The SDK's MQTT transports dial port 8883 whatever they are told, so DPS MQTT and the hub each listen on 8883, on
 * two random addresses in 127/8 (all loopback on Linux, and unlikely to collide with a parallel run). The hub's
 * assigned host name is its IP literal, which the SDK dials, puts in its MQTT user name and SAS, and checks against
 * the server certificate's IP SAN. The SDK trusts the per-run CA through {@link SecurityProvider#getSSLContext()}
 * and {@link ClientOptions}, so no JVM-global trust store is touched.
 */
// Alone (pom.xml): the SDK's own twin-response race (sdkRace) is lost more often beside another test JVM on 2 cores.
@Tag("alone")
class AzureSdkProvisioningAndHubTest {
    private static final int SDK_MQTT_PORT = 8883;
    /** The SDK waits in 4 s steps between its register and status calls; this bounds one registration. */
    private static final Duration REGISTRATION_DEADLINE = Duration.ofSeconds(90);
    private static final Duration HUB_DEADLINE = Duration.ofSeconds(30);
    private static final String HUB = "hub-a";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Bounds one SDK twin call; the SDK's own default is 60 s. */
    private static final int TWIN_CALL_MILLIS = 10_000;
    private static final int SDK_RACE_ATTEMPTS = 5;
    /** SDK calls that had to be repeated (see {@link #sdkRace}); printed after the run. */
    private static final List<String> sdkRetries = Collections.synchronizedList(new ArrayList<>());

    private static Backend backend;
    private static IotHubEmulator hub;
    private static String dpsAddress;
    private static String hubAddress;
    private static final List<String> wire = Collections.synchronizedList(new ArrayList<>());

    private ProvisioningDeviceClient provisioning;
    private DeviceClient device;

    @BeforeAll
    static void startEmulatorsOnTheSdkPorts() throws Exception {
        Optional<String[]> addresses = freeLoopbackPair();
        // the Azure SDK's MQTT transports dial only 8883
        Required.check(Required.Component.STOCK_PORTS, addresses.isPresent() ? Optional.empty()
                : Optional.of("cannot bind port " + SDK_MQTT_PORT + " on two 127/8 addresses"));
        dpsAddress = addresses.get()[0];
        hubAddress = addresses.get()[1];
        backend = TestBackends.embeddedOn((origin, kind, subject, attributes) -> {
            switch (kind) {
                case DPS_REQUEST -> wire.add("DPS " + attributes.get("operation") + " " + attributes.get("method")
                        + " api-version=" + attributes.get("apiVersion") + " " + subject);
                case HUB_CONNECT -> wire.add("HUB CONNECT " + attributes.get("clientId") + " username="
                        + attributes.get("username"));
                case HUB_PUBLISH -> wire.add("HUB PUBLISH " + subject + " " + attributes.get("topic") + " qos="
                        + attributes.get("qos"));
                case HUB_CONNACK -> wire.add("HUB CONNACK " + subject + " " + attributes.get("returnCode"));
                case TLS_FAILED -> wire.add("TLS FAILED " + subject + " " + attributes.get("reason"));
                case HARNESS_NOTE -> wire.add("NOTE " + subject + " " + attributes);
                default -> { }
            }
        }, dpsAddress, SDK_MQTT_PORT, hubAddress, SDK_MQTT_PORT);
        hub = TestBackends.hub(backend, HUB);
    }

    @AfterAll
    static void stopEmulators() {
        if (backend != null) {
            backend.close();
        }
        synchronized (wire) {
            wire.forEach(w -> System.out.println("[sdk wire] " + w));
        }
        System.out.println("[sdk retries] " + sdkRetries.size() + " " + sdkRetries);
    }

    @AfterEach
    void closeClients() throws Exception {
        if (device != null) {
            device.close();
        }
        if (provisioning != null) {
            provisioning.close();
        }
    }

    /** The SDK's provisioning transports. */
    enum Transport {
        HTTPS(ProvisioningDeviceClientTransportProtocol.HTTPS),
        MQTT(ProvisioningDeviceClientTransportProtocol.MQTT);

        final ProvisioningDeviceClientTransportProtocol protocol;

        Transport(ProvisioningDeviceClientTransportProtocol protocol) {
            this.protocol = protocol;
        }
    }

    /**
     * A device the SDK provisions: its security provider, the device id DPS should assign, and the TLS context its
     * hub client uses. Adding an attestation is one more constant here.
     */
    enum Attestation {
        X509_INDIVIDUAL {
            @Override
            SdkDevice enroll(Backend backend, String registrationId, X509Certificate ca) {
                KeyMaterial key = TestPki.selfSigned(registrationId);
                backend.enrollX509Individual(registrationId, Certificates.der(key.leaf()), Optional.empty(), HUB,
                        true);
                SSLContext tls = TestPki.clientContextTrusting(ca, Optional.of(key));
                return new SdkDevice(registrationId, x509Provider(key, registrationId, tls), tls);
            }
        },
        /**
         * An X.509 enrollment group on a root the device never sends: the leaf (CN = registration id) is issued by an
         * intermediate, and the SDK presents leaf + intermediate, as a fleet device does.
         */
        X509_GROUP {
            @Override
            SdkDevice enroll(Backend backend, String registrationId, X509Certificate ca) {
                TestCa root = TestCa.root("fleet-root-" + registrationId);
                KeyMaterial key = root.intermediate("fleet-intermediate-" + registrationId).leaf(registrationId);
                backend.enrollX509Group("group-" + registrationId, root.der(), HUB, true);
                SSLContext tls = TestPki.clientContextTrusting(ca, Optional.of(key));
                return new SdkDevice(registrationId, x509Provider(key, registrationId, tls), tls);
            }
        },
        SYMMETRIC_KEY_INDIVIDUAL {
            @Override
            SdkDevice enroll(Backend backend, String registrationId, X509Certificate ca) {
                byte[] key = randomKey();
                backend.enrollSymmetricKeyIndividual(registrationId, key, Optional.empty(), HUB, true);
                SSLContext tls = TestPki.clientContextTrusting(ca, Optional.empty());
                // The SDK's provider takes the key as the bytes of its base64 text, not the raw key.
                return new SdkDevice(registrationId, new JavaDeviceProgram.SymmetricKeyProvider(
                        new String(base64(key), StandardCharsets.US_ASCII), registrationId, tls), tls,
                        Optional.of(new String(base64(key), StandardCharsets.US_ASCII)));
            }
        },
        SYMMETRIC_KEY_GROUP {
            @Override
            SdkDevice enroll(Backend backend, String registrationId, X509Certificate ca) throws Exception {
                byte[] groupKey = randomKey();
                backend.enrollSymmetricKeyGroup("group-" + registrationId, groupKey, HUB, true);
                // What the SDK's group sample does: the device key is derived from the group key and its id
                // (base64 text in, base64 text out).
                byte[] derived = SecurityProviderSymmetricKey.ComputeDerivedSymmetricKey(base64(groupKey),
                        registrationId);
                SSLContext tls = TestPki.clientContextTrusting(ca, Optional.empty());
                return new SdkDevice(registrationId, new JavaDeviceProgram.SymmetricKeyProvider(
                        new String(derived, StandardCharsets.US_ASCII), registrationId, tls), tls,
                        Optional.of(new String(derived, StandardCharsets.US_ASCII)));
            }
        };

        abstract SdkDevice enroll(Backend backend, String registrationId, X509Certificate ca) throws Exception;
    }

    /**
     * @param sasKey the device key as base64 text for a symmetric-key device (its hub client then uses a connection
     *               string, the one form whose {@link ClientOptions#getSslContext() sslContext} the SDK honours for
     *               SAS); empty for X.509
     */
    record SdkDevice(String registrationId, SecurityProvider provider, SSLContext hubTls, Optional<String> sasKey) {
        SdkDevice(String registrationId, SecurityProvider provider, SSLContext hubTls) {
            this(registrationId, provider, hubTls, Optional.empty());
        }

        DeviceClient hubClient(String hubHost, String deviceId) throws Exception {
            ClientOptions options = ClientOptions.builder().sslContext(hubTls).build();
            if (sasKey.isPresent()) {
                return new DeviceClient("HostName=" + hubHost + ";DeviceId=" + deviceId + ";SharedAccessKey="
                        + sasKey.get(), IotHubClientProtocol.MQTT, options);
            }
            return new DeviceClient(hubHost, deviceId, provider, IotHubClientProtocol.MQTT, options);
        }

        @Override
        public String toString() {
            return "SdkDevice[" + registrationId + "]";
        }
    }

    static Stream<Arguments> devices() {
        List<Arguments> all = new ArrayList<>();
        for (Attestation a : Attestation.values()) {
            for (Transport t : Transport.values()) {
                all.add(Arguments.of(a, t));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} over {1}")
    @MethodSource("devices")
    void theAzureJavaSdkProvisionsTheDeviceAndUsesItsHubLikeTheSamples(Attestation attestation, Transport transport)
            throws Exception {
        String registrationId = ("sdk-" + attestation.name() + "-" + transport.name()).toLowerCase().replace('_', '-');
        DeviceEndpoints endpoints = backend.deviceEndpoints();
        SdkDevice sdkDevice = attestation.enroll(backend, registrationId, endpoints.trustAnchor());

        // 1. Provisioning, as the SDK samples call it. HTTPS takes host:port; MQTT appends :8883 itself.
        String globalEndpoint = transport == Transport.HTTPS
                ? dpsAddress + ":" + endpoints.dps().getPort() : dpsAddress;
        ProvisioningDeviceClientRegistrationResult result = sdkRace("registration",
                () -> register(globalEndpoint, endpoints.idScope(), transport, sdkDevice));
        assertThat(result.getProvisioningDeviceClientStatus()).as("SDK status for %s", registrationId)
                .isEqualTo(ProvisioningDeviceClientStatus.PROVISIONING_DEVICE_STATUS_ASSIGNED);
        assertThat(result.getIothubUri()).isEqualTo(hubAddress);
        assertThat(result.getDeviceId()).isEqualTo(registrationId);
        assertThat(result.getRegistrationId()).isEqualTo(registrationId);
        Backend.Registration record = backend.registration(registrationId).orElseThrow();
        assertThat(record.status()).isEqualTo("assigned");
        assertThat(record.deviceId()).contains(registrationId);
        assertThat(record.assignedHubHost()).contains(hubAddress);
        if (attestation == Attestation.X509_GROUP) {
            assertThat(record.presentedChains()).as("chains the device presented").isNotEmpty()
                    .allSatisfy(chain -> assertThat(chain).as("leaf and intermediate").hasSize(2));
        }

        // 2. The hub client on what DPS returned, with the same security provider, as the samples do.
        BlockingQueue<Message> c2d = new LinkedBlockingQueue<>();
        device = sdkDevice.hubClient(result.getIothubUri(), result.getDeviceId());
        device.setMessageCallback((message, context) -> {
            c2d.add(message);
            return IotHubMessageResult.COMPLETE;
        }, null);
        List<String> statuses = Collections.synchronizedList(new ArrayList<>());
        device.setConnectionStatusChangeCallback(change -> statuses.add(change.getNewStatus() + "/"
                + change.getNewStatusReason() + (change.getCause() == null ? "" : " " + change.getCause())), null);
        // Bounds open() and every synchronous call: the SDK otherwise retries for minutes.
        device.setOperationTimeout(HUB_DEADLINE.toMillis());
        try {
            device.open(false);
        } catch (com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException e) {
            throw new AssertionError("the SDK's hub client did not connect to " + result.getIothubUri() + ": " + e
                    + "; connection statuses " + statuses + "; emulator saw last: " + wireTail(), e);
        }
        assertThat(backend.hubDevice(HUB, registrationId).orElseThrow().connected()).isTrue();

        Message telemetry = new Message("{\"temperature\":21.5}");
        telemetry.setProperty("source", "sdk-test");
        device.sendEvent(telemetry);
        assertThat(backend.hubDevice(HUB, registrationId).orElseThrow().telemetryCount()).isEqualTo(1);

        device.subscribeToMethods((methodName, payload, context) -> new DirectMethodResponse(200,
                Map.of("method", methodName, "echo", payload.getPayloadAsJsonString())), null);
        MethodOutcome answer = hub.invokeMethod(registrationId, "reboot", "{\"delay\":1}", HUB_DEADLINE);
        assertThat(answer).isInstanceOfSatisfying(MethodOutcome.Answered.class, a -> {
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.payload()).contains("\"method\":\"reboot\"").contains("delay");
        });

        CompletableFuture<C2dDelivery> delivery = hub.sendCloudToDevice(registrationId,
                "{\"led\":\"on\"}".getBytes(StandardCharsets.UTF_8), Map.of("color", "blue green"));
        Message received = c2d.poll(HUB_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(received).as("the C2D message in the SDK's callback within %s s", HUB_DEADLINE.toSeconds())
                .isNotNull();
        assertThat(new String(received.getBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"led\":\"on\"}");
        assertThat(received.getProperty("color")).isEqualTo("blue green");
        C2dDelivery delivered = delivery.get(HUB_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(delivered).isInstanceOf(C2dDelivery.Acknowledged.class);
        assertThat(received.getMessageId()).isEqualTo(delivered.messageId());

        device.subscribeToDesiredProperties((twin, context) -> { }, null);
        DeviceClient client = device;
        Twin before = sdkRace("twin GET", () -> client.getTwin(TWIN_CALL_MILLIS));
        assertThat(before.getReportedProperties()).isEmpty();
        TwinCollection reported = new TwinCollection();
        reported.put("firmware", "2.0.0");
        ReportedPropertiesUpdateResponse patched = sdkRace("reported PATCH",
                () -> client.updateReportedProperties(reported, TWIN_CALL_MILLIS));
        // 2 unless the SDK lost its own first callback and sent the PATCH again
        assertThat(patched.getVersion()).isBetween(2, 1 + SDK_RACE_ATTEMPTS);
        Twin after = sdkRace("twin GET", () -> client.getTwin(TWIN_CALL_MILLIS));
        assertThat(after.getReportedProperties()).containsEntry("firmware", "2.0.0");
        assertThat(after.getReportedProperties().getVersion()).isEqualTo(patched.getVersion());

        // What the SDK put on the wire (docs/sdk-fidelity.md): its user name, and system properties with a
        // literal '$' in the telemetry topic.
        assertThat(wireFor(registrationId)).anySatisfy(w -> assertThat(w).startsWith("HUB CONNECT " + registrationId
                + " username=" + hubAddress + "/" + registrationId + "/?api-version=2020-09-30&DeviceClientType="
                + "com.microsoft.azure.sdk.iot.iot-device-client%2F2.5.0"));
        assertThat(wireFor(registrationId)).anySatisfy(w -> assertThat(w).startsWith("HUB PUBLISH " + registrationId
                + " devices/" + registrationId + "/messages/events/$.mid=").contains("&source=sdk-test"));

        device.close();
        device = null;
        Backend.HubDeviceState state = backend.hubDevice(HUB, registrationId).orElseThrow();
        assertThat(state.telemetryCount()).isEqualTo(1);
        assertThat(state.connectCount()).isEqualTo(1);
    }

    /**
     * Runs a synchronous SDK twin call, again when the SDK times out waiting for a response the hub sent. The SDK
     * 2.5.0 hands each received twin response both to its receive task, which acknowledges it and then drops the
     * request's correlation callback on a new thread, and to the Paho callback thread, which looks that callback
     * up afterwards to complete the call: on a loaded machine the drop can win, and the call times out although
     * the response arrived (docs/sdk-fidelity.md). The emulator's wire log shows the response went out.
     */
    private static <T> T sdkRace(String what, SdkCall<T> call) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException | SdkTimedOut e) {
                boolean timedOut = e instanceof SdkTimedOut
                        || String.valueOf(e.getMessage()).startsWith("Timed out waiting");
                if (attempt >= SDK_RACE_ATTEMPTS || !timedOut) {
                    throw new AssertionError("the SDK's " + what + " failed after " + attempt + " attempt(s): " + e
                            + "; emulator saw last: " + wireTail(), e);
                }
                sdkRetries.add(what + " (" + e.getMessage() + ")");
            }
        }
    }

    /** The SDK gave up waiting inside itself (not our deadline). */
    static final class SdkTimedOut extends Exception {
        SdkTimedOut(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @FunctionalInterface
    interface SdkCall<T> {
        T run() throws Exception;
    }

    private static List<String> wireFor(String deviceId) {
        synchronized (wire) {
            return wire.stream().filter(w -> w.contains(" " + deviceId + " ")).toList();
        }
    }

    /** The emulator's last few wire events (no secrets: user names, topics, return codes). */
    private static List<String> wireTail() {
        synchronized (wire) {
            return List.copyOf(wire.subList(Math.max(0, wire.size() - 8), wire.size()));
        }
    }

    /** The SDK's asynchronous {@code registerDevice}, waited for until {@code deadline}. */
    static ProvisioningDeviceClientRegistrationResult registerWithin(ProvisioningDeviceClient client,
                                                                     Duration deadline) throws Exception {
        return JavaDeviceProgram.registerWithin(client, deadline);
    }

    private ProvisioningDeviceClientRegistrationResult register(String globalEndpoint, String idScope,
                                                                Transport transport, SdkDevice sdkDevice)
            throws Exception {
        provisioning = ProvisioningDeviceClient.create(globalEndpoint, idScope, transport.protocol,
                sdkDevice.provider());
        try {
            return registerWithin(provisioning, REGISTRATION_DEADLINE);
        } catch (TimeoutException e) {
            throw new AssertionError("the SDK's registration callback for " + sdkDevice.registrationId()
                    + " did not run within " + REGISTRATION_DEADLINE.toSeconds() + " s; emulator saw: " + wire, e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) {
                // The SDK's own internal wait ran out (seen over MQTT on a loaded machine): worth another attempt.
                provisioning.close();
                provisioning = null;
                throw new SdkTimedOut("the SDK's registration of " + sdkDevice.registrationId() + " over "
                        + transport + " timed out inside the SDK", e.getCause());
            }
            throw new AssertionError("the SDK failed to register " + sdkDevice.registrationId() + " over "
                    + transport + ": " + e.getCause() + "; emulator saw last: " + wireTail(), e.getCause());
        }
    }

    /**
     * Two distinct random 127/8 addresses where port 8883 is free, or empty when 8883 cannot be bound at all here
     * (not Linux, or a policy forbids it).
     */
    private static Optional<String[]> freeLoopbackPair() {
        for (int attempt = 0; attempt < 8; attempt++) {
            String a = randomLoopback();
            String b = randomLoopback();
            if (a.equals(b)) {
                continue;
            }
            try {
                if (bindable(a) && bindable(b)) {
                    return Optional.of(new String[]{a, b});
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** True when free, false when in use; throws when this host cannot bind there at all. */
    private static boolean bindable(String address) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(address, SDK_MQTT_PORT));
            return true;
        } catch (BindException e) {
            if (String.valueOf(e.getMessage()).contains("in use")) {
                return false;
            }
            throw e;
        }
    }

    private static String randomLoopback() {
        return "127." + (1 + RANDOM.nextInt(254)) + "." + RANDOM.nextInt(256) + "." + (1 + RANDOM.nextInt(254));
    }

    private static byte[] base64(byte[] key) {
        return java.util.Base64.getEncoder().encode(key);
    }

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The SDK's X.509 provider (the reference program's) on a device's key material, trusting the per-run CA. */
    private static SecurityProvider x509Provider(KeyMaterial key, String registrationId, SSLContext tls) {
        return new JavaDeviceProgram.X509Provider(new JavaDeviceProgram.X509Credential(key.chain(), key.key()),
                registrationId, tls);
    }
}
