package dev.firstboot.programs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClient;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientRegistrationResult;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientStatus;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientTransportProtocol;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProvider;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProviderSymmetricKey;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProviderX509;
import dev.firstboot.device.tpm.TpmDevice;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * firstboot's Java reference device program (docs/device-programs.md, device-programs/README.md): a first boot as
 * the Azure IoT Java device SDK samples do it. It registers with DPS ({@code provisioning-device-client}, a symmetric
 * key or X.509 over HTTPS or MQTT, a TPM over HTTPS), connects to the assigned hub over MQTT ({@code iot-device-client}),
 * sends one telemetry message and exits 0. It reads the device-program contract's {@code FIRSTBOOT_*} variables and prints one
 * {@code firstboot-ref:} line per milestone; a failure is {@code firstboot-ref: failed: <reason>} and exit 1.
 * <p>
 * It is a device: it shares nothing with the harness or the emulators but sockets, and so imports only the SDK, the
 * JDK, BouncyCastle (for the {@code other-certificate} defect), Jackson and Paho (the SDK's MQTT client, for the
 * {@code ignores-retry-after} defect's own DPS requests), and for a TPM our device-side TSS.Java client
 * ({@link TpmDevice}, under the SDK's TPM provider {@link SdkTpmProvider}) dialling FIRSTBOOT_TPM_HOST and
 * FIRSTBOOT_TPM_PORT, or with {@code FIRSTBOOT_REFERENCE_TPM=mssim} the Microsoft TPM simulator's fixed
 * 127.0.0.1:2321, as the C SDK does.
 * <p>
 * TPM over MQTT: the SDK's MQTT provisioning transport does not do it ({@code ContractAPIMqtt.requestNonceForTPM}
 * throws {@code UnsupportedOperationException}), nor does DPS; the program refuses that pairing with the reason.
 * <p>
 * Ports, as the SDK has them: its HTTPS provisioning transport takes {@code host:port} as the global endpoint, so
 * FIRSTBOOT_DPS_HTTPS_PORT is honoured; its MQTT transports (DPS and hub) dial {@code ssl://host:8883} whatever they
 * are given, so FIRSTBOOT_DPS_MQTT_PORT and FIRSTBOOT_HUB_MQTT_PORT other than 8883 are refused with a reason.
 */
public final class JavaDeviceProgram {
    private static final String PREFIX = "firstboot-ref: ";
    static final List<String> DEFECTS = List.of("no-hub-connection", "wrong-hub", "wrong-registration-id",
            "other-certificate", "ignores-retry-after", "prints-key", "endless-activation-retries");
    /** With endless-activation-retries: how often a TPM device asks DPS again after its TPM refused a blob. */
    static final int ACTIVATION_RETRIES = 5;
    /** Where the Microsoft TPM 2.0 simulator listens, fixed in the C SDK (platform signals on the next port). */
    private static final String MSSIM_HOST = "127.0.0.1";
    private static final int MSSIM_PORT = 2321;
    private static final int STOCK_HTTPS_PORT = 443;
    /** The only port the SDK's MQTT transports dial. */
    private static final int SDK_MQTT_PORT = 8883;
    private static final Duration REGISTRATION_DEADLINE = Duration.ofSeconds(90);
    private static final Duration HUB_DEADLINE = Duration.ofSeconds(30);
    private static final Duration IDLE_AFTER_ASSIGNED = Duration.ofSeconds(120);
    private static final int TIGHT_LOOP_MAX_REQUESTS = 50;
    /** The DPS device API version the Java SDK speaks. */
    private static final String DPS_API_VERSION = "2019-03-31";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream OUT = System.out;
    /** Secrets a failure reason must never carry. */
    private static final List<String> SECRETS = new ArrayList<>();

    private JavaDeviceProgram() {
    }

    public static void main(String[] args) {
        int exit;
        try {
            run(System.getenv());
            exit = 0;
        } catch (Failure e) {
            say("failed: " + masked(e.getMessage()));
            exit = 1;
        } catch (Exception | Error e) {
            say("failed: " + masked(describe(e)));
            exit = 1;
        }
        OUT.flush();
        // The SDK leaves non-daemon threads behind; this program is done.
        Runtime.getRuntime().halt(exit);
    }

    /** A failure with a reason for the {@code failed:} line; never a secret in it. */
    static final class Failure extends Exception {
        Failure(String reason) {
            super(reason);
        }
    }

    private static void say(String line) {
        OUT.println(PREFIX + line);
        OUT.flush();
    }

    static String masked(String text) {
        String s = String.valueOf(text);
        for (String secret : SECRETS) {
            if (!secret.isEmpty()) {
                s = s.replace(secret, "«masked»");
            }
        }
        return s.replaceAll("SharedAccessSignature [^\\s\"']+", "SharedAccessSignature «masked»")
                .replaceAll("sig=[^&\\s\"']+", "sig=«masked»")
                .replaceAll("SharedAccessKey=[^;\\s\"']+", "SharedAccessKey=«masked»");
    }

    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder();
        Set<Throwable> seen = new LinkedHashSet<>();
        for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
            if (!s.isEmpty()) {
                s.append("; caused by ");
            }
            s.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                s.append(": ").append(t.getMessage());
            }
        }
        return s.toString();
    }

    /** The contract's variables, checked. */
    record Settings(Set<String> defects, String transport, String attestation, String dpsHost, int dpsHttpsPort,
                    int dpsMqttPort, int hubMqttPort, List<String> hubHosts, String idScope, String registrationId,
                    Optional<String> key, Optional<Path> certPem, Optional<Path> keyPem, Path trustPem,
                    Optional<TpmEndpoint> tpm) {
        boolean has(String defect) {
            return defects.contains(defect);
        }

        static Settings from(Map<String, String> env) throws Failure {
            Set<String> defects = new LinkedHashSet<>();
            for (String d : env.getOrDefault("FIRSTBOOT_REFERENCE_DEFECTS", "").split(",")) {
                if (!d.isBlank()) {
                    if (!DEFECTS.contains(d.trim())) {
                        throw new Failure("FIRSTBOOT_REFERENCE_DEFECTS names an unknown defect \"" + d.trim()
                                + "\"; known: " + String.join(", ", DEFECTS));
                    }
                    defects.add(d.trim());
                }
            }
            String transport = required(env, "FIRSTBOOT_TRANSPORT", "say https or mqtt");
            if (!transport.equals("https") && !transport.equals("mqtt")) {
                throw new Failure("FIRSTBOOT_TRANSPORT must be https or mqtt, got \"" + transport + "\"");
            }
            String attestation = required(env, "FIRSTBOOT_ATTESTATION", "say symmetric-key, x509 or tpm");
            Optional<String> key = Optional.empty();
            Optional<Path> cert = Optional.empty();
            Optional<Path> keyPem = Optional.empty();
            Optional<TpmEndpoint> tpm = Optional.empty();
            switch (attestation) {
                case "symmetric-key" -> {
                    String k = required(env, "FIRSTBOOT_SYMMETRIC_KEY", "give the device key (base64)");
                    SECRETS.add(k);
                    try {
                        if (Base64.getDecoder().decode(k).length == 0) {
                            throw new IllegalArgumentException("empty");
                        }
                    } catch (IllegalArgumentException e) {
                        throw new Failure("FIRSTBOOT_SYMMETRIC_KEY is not base64");
                    }
                    key = Optional.of(k);
                }
                case "x509" -> {
                    cert = Optional.of(Path.of(required(env, "FIRSTBOOT_CERT_PEM",
                            "give the device certificate file (PEM, leaf first, then its chain)")));
                    keyPem = Optional.of(Path.of(required(env, "FIRSTBOOT_KEY_PEM",
                            "give the leaf's private key file (PKCS#8 PEM)")));
                }
                case "tpm" -> tpm = Optional.of(TpmEndpoint.from(env));
                default -> throw new Failure("FIRSTBOOT_ATTESTATION \"" + attestation + "\" is not supported by"
                        + " this program; it does symmetric-key, x509 and tpm");
            }
            if (tpm.isPresent() && transport.equals("mqtt")) {
                throw new Failure("the Azure IoT Java SDK does not do TPM attestation over MQTT (its ContractAPIMqtt"
                        + ".requestNonceForTPM throws UnsupportedOperationException), nor does DPS; use https");
            }
            for (String keyed : List.of("ignores-retry-after", "prints-key")) {
                if (defects.contains(keyed) && tpm.isPresent()) {
                    throw new Failure("the " + keyed + " defect needs FIRSTBOOT_ATTESTATION symmetric-key or x509");
                }
            }
            if (defects.contains("endless-activation-retries") && tpm.isEmpty()) {
                throw new Failure("the endless-activation-retries defect needs FIRSTBOOT_ATTESTATION=tpm");
            }
            if (defects.contains("other-certificate") && !attestation.equals("x509")) {
                throw new Failure("the other-certificate defect needs FIRSTBOOT_ATTESTATION=x509");
            }
            List<String> hubs = Arrays.stream(env.getOrDefault("FIRSTBOOT_HUB_HOSTS", "").split(","))
                    .map(String::trim).filter(h -> !h.isEmpty()).toList();
            return new Settings(defects, transport, attestation,
                    required(env, "FIRSTBOOT_DPS_HOST", "give the DPS global device endpoint host"),
                    port(env, "FIRSTBOOT_DPS_HTTPS_PORT", STOCK_HTTPS_PORT),
                    port(env, "FIRSTBOOT_DPS_MQTT_PORT", SDK_MQTT_PORT),
                    port(env, "FIRSTBOOT_HUB_MQTT_PORT", SDK_MQTT_PORT), hubs,
                    required(env, "FIRSTBOOT_ID_SCOPE", "give the DPS ID scope"),
                    required(env, "FIRSTBOOT_REGISTRATION_ID", "give the registration id to register as"),
                    key, cert, keyPem, Path.of(required(env, "FIRSTBOOT_TRUST_PEM",
                    "give the path of the CA certificate (PEM) the emulators' server certificates chain to")), tpm);
        }

        private static String required(Map<String, String> env, String name, String hint) throws Failure {
            String value = env.get(name);
            if (value == null || value.isEmpty()) {
                throw new Failure(name + " is not set; " + hint);
            }
            return value;
        }

        private static int port(Map<String, String> env, String name, int stock) throws Failure {
            String text = env.get(name);
            if (text == null || text.isEmpty()) {
                return stock;
            }
            try {
                int n = Integer.parseInt(text);
                if (n >= 1 && n <= 65535) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new Failure(name + " must be a port 1 to 65535, got \"" + text + "\"");
        }
    }

    /** Where the device's TPM 2.0 listens: TSS.Java's TCP client takes the command port and the next one. */
    record TpmEndpoint(String host, int port) {
        static TpmEndpoint from(Map<String, String> env) throws Failure {
            if ("mssim".equals(env.get("FIRSTBOOT_REFERENCE_TPM"))) {
                return new TpmEndpoint(MSSIM_HOST, MSSIM_PORT);
            }
            String host = Settings.required(env, "FIRSTBOOT_TPM_HOST", "give the host of the device's TPM (swtpm)");
            int port = Settings.port(env, "FIRSTBOOT_TPM_PORT", 0);
            int control = Settings.port(env, "FIRSTBOOT_TPM_CTRL_PORT", 0);
            if (port == 0 || control != port + 1) {
                throw new Failure("TSS.Java's TCP TPM client dials the command port and its control port next to it,"
                        + " but FIRSTBOOT_TPM_PORT is \"" + env.getOrDefault("FIRSTBOOT_TPM_PORT", "") + "\" and"
                        + " FIRSTBOOT_TPM_CTRL_PORT \"" + env.getOrDefault("FIRSTBOOT_TPM_CTRL_PORT", "") + "\"");
            }
            return new TpmEndpoint(host, port);
        }
    }

    /** The device's X.509 credential: leaf, chain after it, private key. */
    public record X509Credential(List<X509Certificate> chain, PrivateKey key) {
    }

    static void run(Map<String, String> env) throws Exception {
        Settings s = Settings.from(env);
        refuseUnsupportedPorts(s);
        String registrationId = s.has("wrong-registration-id") ? s.registrationId() + "-x" : s.registrationId();
        List<X509Certificate> trust = certificates(s.trustPem(), "FIRSTBOOT_TRUST_PEM");
        Optional<X509Credential> credential = Optional.empty();
        if (s.attestation().equals("x509")) {
            credential = Optional.of(s.has("other-certificate") ? otherCertificate(s.registrationId())
                    : new X509Credential(certificates(s.certPem().orElseThrow(), "FIRSTBOOT_CERT_PEM"),
                    privateKey(s.keyPem().orElseThrow())));
        }
        SSLContext tls = sslContext(trust, credential);
        if (s.has("prints-key")) {
            say(s.key().map(k -> "symmetric key " + k).orElseGet(() -> "private key " + Base64.getEncoder()
                    .encodeToString(privateKeyBytes(s))));
        }

        SecurityProvider provider;
        if (s.tpm().isPresent()) {
            TpmEndpoint at = s.tpm().get();
            boolean[] activated = {false};
            provider = new SdkTpmProvider(TpmDevice.connect(at.host(), at.port()), tls,
                    s.has("wrong-registration-id") ? Optional.of(registrationId) : Optional.empty(), call -> {
                        if (call.equals("activate") && !activated[0]) {
                            activated[0] = true; // DPS's challenge; the next blob is the hub key
                            say("activated");
                        }
                    });
            registrationId = provider.getRegistrationId();
        } else {
            provider = s.key().isPresent() ? new SymmetricKeyProvider(s.key().get(), registrationId, tls)
                    : new X509Provider(credential.orElseThrow(), registrationId, tls);
        }
        say("registering " + registrationId + " over " + s.transport());
        Assignment assigned = s.has("ignores-retry-after") ? registerInATightLoop(s, registrationId, tls)
                : s.has("endless-activation-retries") ? registerAgainAfterFailedActivations(s, (SdkTpmProvider) provider)
                : register(s, provider);
        say("assigned hub=" + assigned.hub() + " device=" + assigned.deviceId());

        if (s.has("no-hub-connection")) {
            Thread.sleep(IDLE_AFTER_ASSIGNED.toMillis()); // assigned and silent until stopped, within a bound
            return;
        }
        String hubHost = s.has("wrong-hub") ? otherHub(s, assigned.hub()) : assigned.hub();
        ClientOptions options = ClientOptions.builder().sslContext(tls).build();
        // A connection string for SAS: the one form whose sslContext the SDK honours for a key
        // (docs/sdk-fidelity.md); the provider's constructor for X.509.
        DeviceClient client = s.key().isPresent()
                ? new DeviceClient("HostName=" + hubHost + ";DeviceId=" + assigned.deviceId() + ";SharedAccessKey="
                + s.key().get(), IotHubClientProtocol.MQTT, options)
                : new DeviceClient(hubHost, assigned.deviceId(), provider, IotHubClientProtocol.MQTT, options);
        client.setOperationTimeout(HUB_DEADLINE.toMillis());
        boolean connected = true;
        try {
            client.open(false); // one attempt: open(true) retries for minutes
        } catch (Exception e) {
            if (!s.has("wrong-hub")) {
                throw new Failure("the hub " + hubHost + " refused or dropped the connection of "
                        + assigned.deviceId() + ": " + describe(e));
            }
            connected = false;
        }
        // With wrong-hub, the device claims the connection whether or not that hub let it in.
        say("connected hub=" + hubHost + " device=" + assigned.deviceId());
        if (!connected) {
            return;
        }
        try {
            Message telemetry = new Message("{\"temperature\":21.5}");
            telemetry.setProperty("source", "firstboot-ref-java");
            client.sendEvent(telemetry); // returns once the hub acknowledged it
        } catch (Exception e) {
            throw new Failure("telemetry to " + hubHost + " failed: " + describe(e));
        }
        say("telemetry sent");
        try {
            client.close();
        } catch (RuntimeException e) {
            // done anyway
        }
    }

    private static void refuseUnsupportedPorts(Settings s) throws Failure {
        if (s.transport().equals("mqtt") && s.dpsMqttPort() != SDK_MQTT_PORT && !s.has("ignores-retry-after")) {
            throw new Failure("the Azure IoT Java SDK's MQTT provisioning transport dials port " + SDK_MQTT_PORT
                    + " only, but FIRSTBOOT_DPS_MQTT_PORT is " + s.dpsMqttPort() + "; use ports: stock, or https");
        }
        if (s.hubMqttPort() != SDK_MQTT_PORT && !s.has("no-hub-connection")) {
            throw new Failure("the Azure IoT Java SDK's MQTT hub client dials port " + SDK_MQTT_PORT
                    + " only, but FIRSTBOOT_HUB_MQTT_PORT is " + s.hubMqttPort() + "; use ports: stock");
        }
    }

    private static String otherHub(Settings s, String assigned) throws Failure {
        return s.hubHosts().stream().filter(h -> !h.equals(assigned)).findFirst()
                .orElseThrow(() -> new Failure("the wrong-hub defect needs a second hub in FIRSTBOOT_HUB_HOSTS (got \""
                        + String.join(",", s.hubHosts()) + "\")"));
    }

    record Assignment(String hub, String deviceId) {
    }

    /** Registration as the SDK samples do it; the SDK waits as retry-after says between its requests. */
    private static Assignment register(Settings s, SecurityProvider provider) throws Exception {
        // HTTPS takes host:port as the global endpoint; MQTT appends :8883 itself.
        String endpoint = s.transport().equals("https") ? authority(s.dpsHost(), s.dpsHttpsPort()) : s.dpsHost();
        ProvisioningDeviceClient client = ProvisioningDeviceClient.create(endpoint, s.idScope(),
                s.transport().equals("https") ? ProvisioningDeviceClientTransportProtocol.HTTPS
                        : ProvisioningDeviceClientTransportProtocol.MQTT, provider);
        try {
            ProvisioningDeviceClientRegistrationResult result;
            try {
                result = registerWithin(client, REGISTRATION_DEADLINE);
            } catch (TimeoutException e) {
                throw new Failure("the registration of " + provider.getRegistrationId() + " over " + s.transport()
                        + " did not finish within " + REGISTRATION_DEADLINE.toSeconds() + " s");
            } catch (ExecutionException e) {
                throw new Failure("registration of " + provider.getRegistrationId() + " over " + s.transport()
                        + " failed: " + describe(e.getCause()));
            }
            if (result.getProvisioningDeviceClientStatus()
                    != ProvisioningDeviceClientStatus.PROVISIONING_DEVICE_STATUS_ASSIGNED) {
                throw new Failure("registration of " + provider.getRegistrationId() + " ended "
                        + result.getProvisioningDeviceClientStatus() + " (" + result.getStatus() + ")");
            }
            if (result.getIothubUri() == null || result.getDeviceId() == null) {
                throw new Failure("DPS returned no assigned hub or device id for " + provider.getRegistrationId());
            }
            return new Assignment(result.getIothubUri(), result.getDeviceId());
        } finally {
            try {
                client.close();
            } catch (RuntimeException e) {
                // the registration's outcome stands
            }
        }
    }

    /**
     * The {@code endless-activation-retries} defect: when the TPM refuses DPS's blob, the device registers again (and
     * gets a new challenge) {@link #ACTIVATION_RETRIES} more times before it reports the failure.
     */
    private static Assignment registerAgainAfterFailedActivations(Settings s, SdkTpmProvider provider)
            throws Exception {
        for (int attempt = 0; ; attempt++) {
            int refused = provider.failedActivations();
            try {
                return register(s, provider);
            } catch (Failure e) {
                if (provider.failedActivations() == refused || attempt >= ACTIVATION_RETRIES) {
                    throw e;
                }
            }
        }
    }

    /**
     * The SDK's asynchronous {@code registerDevice}, waited for until {@code deadline}: a {@link TimeoutException}
     * then, or an {@link ExecutionException} with the SDK's failure.
     */
    public static ProvisioningDeviceClientRegistrationResult registerWithin(ProvisioningDeviceClient client,
                                                                            Duration deadline) throws Exception {
        CompletableFuture<ProvisioningDeviceClientRegistrationResult> done = new CompletableFuture<>();
        client.registerDevice((result, exception, context) -> {
            if (exception != null) {
                done.completeExceptionally(exception);
            } else {
                done.complete(result);
            }
        }, null);
        return done.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The {@code ignores-retry-after} defect: the program sends DPS's register request and then status queries
     * itself, back to back, never waiting the retry-after DPS asks for; a throttled (429) answer is repeated at once
     * too. Over HTTPS with the JDK's client, over MQTT with Paho (the SDK's MQTT client, which, unlike the SDK's
     * transport, dials FIRSTBOOT_DPS_MQTT_PORT).
     */
    private static Assignment registerInATightLoop(Settings s, String registrationId, SSLContext tls)
            throws Exception {
        Optional<String> sas = s.key().map(k -> dpsSas(s.idScope(), registrationId, k));
        DpsCalls calls = s.transport().equals("https") ? new HttpsDps(s, registrationId, tls, sas)
                : new MqttDps(s, registrationId, tls, sas);
        try (calls) {
            Instant deadline = Instant.now().plus(REGISTRATION_DEADLINE);
            Optional<String> operationId = Optional.empty();
            for (int n = 1; n <= TIGHT_LOOP_MAX_REQUESTS && Instant.now().isBefore(deadline); n++) {
                DpsAnswer answer = operationId.isEmpty() ? calls.register() : calls.status(operationId.get());
                if (answer.statusCode() == 429) {
                    continue;
                }
                JsonNode body = answer.body();
                String status = body.path("status").asText("");
                if (answer.statusCode() >= 300 && !status.equals("assigning")) {
                    throw new Failure("registration of " + registrationId + " over " + s.transport()
                            + " failed: DPS answered " + answer.statusCode() + " " + body.path("errorCode").asText("")
                            + " " + body.path("message").asText(""));
                }
                if (status.equals("assigned")) {
                    JsonNode state = body.path("registrationState");
                    return new Assignment(state.path("assignedHub").asText(), state.path("deviceId").asText());
                }
                if (status.equals("failed") || status.equals("disabled")) {
                    JsonNode state = body.path("registrationState");
                    throw new Failure("DPS answered " + status + " (" + state.path("errorCode").asText("") + " "
                            + state.path("errorMessage").asText("") + ")");
                }
                if (body.hasNonNull("operationId")) {
                    operationId = Optional.of(body.get("operationId").asText());
                }
            }
            throw new Failure("still not assigned after " + TIGHT_LOOP_MAX_REQUESTS + " back-to-back DPS requests");
        }
    }

    record DpsAnswer(int statusCode, JsonNode body) {
    }

    interface DpsCalls extends AutoCloseable {
        DpsAnswer register() throws Exception;

        DpsAnswer status(String operationId) throws Exception;

        @Override
        void close();
    }

    /** DPS's HTTPS device API, as dps.md §1 has it. */
    static final class HttpsDps implements DpsCalls {
        private final HttpClient http;
        private final String base;
        private final String registrationId;
        private final Optional<String> sas;

        HttpsDps(Settings s, String registrationId, SSLContext tls, Optional<String> sas) {
            this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(HUB_DEADLINE).build();
            this.base = "https://" + authority(s.dpsHost(), s.dpsHttpsPort()) + "/" + s.idScope() + "/registrations/"
                    + registrationId;
            this.registrationId = registrationId;
            this.sas = sas;
        }

        @Override
        public DpsAnswer register() throws Exception {
            return send(HttpRequest.newBuilder(URI.create(base + "/register?api-version=" + DPS_API_VERSION))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"registrationId\":\"" + registrationId + "\"}")));
        }

        @Override
        public DpsAnswer status(String operationId) throws Exception {
            return send(HttpRequest.newBuilder(URI.create(base + "/operations/" + operationId + "?api-version="
                    + DPS_API_VERSION)).GET());
        }

        private DpsAnswer send(HttpRequest.Builder request) throws IOException, InterruptedException {
            request.header("Content-Type", "application/json").header("Accept", "application/json")
                    .timeout(HUB_DEADLINE);
            sas.ifPresent(token -> request.header("Authorization", token));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new DpsAnswer(response.statusCode(), parse(response.body()));
        }

        @Override
        public void close() {
            // the JDK's client closes its connections when unreferenced
        }
    }

    /** DPS's MQTT device API, as dps.md §2 has it. */
    static final class MqttDps implements DpsCalls {
        private final MqttClient mqtt;
        private final BlockingQueue<MqttAnswer> answers = new LinkedBlockingQueue<>();
        private int rid;

        record MqttAnswer(String topic, byte[] payload) {
        }

        MqttDps(Settings s, String registrationId, SSLContext tls, Optional<String> sas) throws MqttException {
            mqtt = new MqttClient("ssl://" + authority(s.dpsHost(), s.dpsMqttPort()), registrationId,
                    new MemoryPersistence());
            MqttConnectOptions options = new MqttConnectOptions();
            options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            options.setCleanSession(true);
            options.setSocketFactory(tls.getSocketFactory());
            options.setHttpsHostnameVerificationEnabled(true);
            options.setConnectionTimeout((int) HUB_DEADLINE.toSeconds());
            options.setUserName(s.idScope() + "/registrations/" + registrationId + "/api-version=" + DPS_API_VERSION);
            sas.ifPresent(token -> options.setPassword(token.toCharArray()));
            mqtt.connect(options);
            mqtt.subscribe("$dps/registrations/res/#", 1, (topic, message) -> answers.add(
                    new MqttAnswer(topic, message.getPayload())));
        }

        @Override
        public DpsAnswer register() throws Exception {
            return publish("$dps/registrations/PUT/iotdps-register/?$rid=", "", "{\"registrationId\":\""
                    + mqtt.getClientId() + "\"}");
        }

        @Override
        public DpsAnswer status(String operationId) throws Exception {
            return publish("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=", "&operationId=" + operationId,
                    "");
        }

        private DpsAnswer publish(String topic, String suffix, String body) throws Exception {
            String id = Integer.toString(++rid);
            MqttMessage message = new MqttMessage(body.getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            mqtt.publish(topic + id + suffix, message);
            Instant deadline = Instant.now().plus(HUB_DEADLINE);
            while (Instant.now().isBefore(deadline)) {
                MqttAnswer answer = answers.poll(Duration.between(Instant.now(), deadline).toMillis(),
                        TimeUnit.MILLISECONDS);
                if (answer == null) {
                    break;
                }
                // $dps/registrations/res/{status}/?$rid={rid}[&retry-after={n}]
                String[] parts = answer.topic().split("/", 5);
                if (parts.length >= 5 && answer.topic().matches(".*[?&]\\$rid=" + id + "(&.*)?$")) {
                    return new DpsAnswer(Integer.parseInt(parts[3]),
                            parse(new String(answer.payload(), StandardCharsets.UTF_8)));
                }
            }
            throw new Failure("DPS did not answer the MQTT request " + topic + id + " within "
                    + HUB_DEADLINE.toSeconds() + " s");
        }

        @Override
        public void close() {
            try {
                if (mqtt.isConnected()) {
                    mqtt.disconnect(1000);
                }
                mqtt.close(true);
            } catch (MqttException e) {
                // closing anyway
            }
        }
    }

    private static JsonNode parse(String body) throws IOException {
        return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    }

    /** The SAS a symmetric-key device signs for DPS: {@code sr={scope}/registrations/{id}}, policy registration. */
    static String dpsSas(String idScope, String registrationId, String base64Key) {
        try {
            String resource = URLEncoder.encode(idScope + "/registrations/" + registrationId, StandardCharsets.UTF_8);
            long expiry = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(base64Key), "HmacSHA256"));
            String signature = Base64.getEncoder().encodeToString(mac.doFinal((resource + "\n" + expiry)
                    .getBytes(StandardCharsets.UTF_8)));
            String token = "SharedAccessSignature sr=" + resource + "&sig="
                    + URLEncoder.encode(signature, StandardCharsets.UTF_8) + "&se=" + expiry + "&skn=registration";
            SECRETS.add(token);
            return token;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available: " + e.getMessage(), e);
        }
    }

    private static String authority(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private static List<X509Certificate> certificates(Path pem, String variable) throws Failure {
        try {
            Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)));
            List<X509Certificate> chain = all.stream().map(c -> (X509Certificate) c).toList();
            if (chain.isEmpty()) {
                throw new Failure(variable + " names " + pem + ", which holds no certificate; give a PEM file");
            }
            return chain;
        } catch (NoSuchFileException e) {
            throw new Failure(variable + " names " + pem + ", which does not exist");
        } catch (IOException | GeneralSecurityException e) {
            throw new Failure(variable + " names " + pem + ", which is not a PEM certificate file: " + e.getMessage());
        }
    }

    private static byte[] privateKeyBytes(Settings s) {
        try {
            return pkcs8(Files.readString(s.keyPem().orElseThrow()));
        } catch (IOException | IllegalArgumentException e) {
            return new byte[0];
        }
    }

    private static byte[] pkcs8(String pem) {
        String body = pem.replaceAll("-----[^-]+-----", "").replaceAll("\\s+", "");
        return Base64.getDecoder().decode(body);
    }

    private static PrivateKey privateKey(Path pem) throws Failure {
        String text;
        try {
            text = Files.readString(pem);
        } catch (IOException e) {
            throw new Failure("FIRSTBOOT_KEY_PEM names " + pem + ", which cannot be read (" + e.getClass()
                    .getSimpleName() + ")");
        }
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new Failure("FIRSTBOOT_KEY_PEM names " + pem + ", which is not a PKCS#8 PEM private key"
                    + " (-----BEGIN PRIVATE KEY-----)");
        }
        byte[] der;
        try {
            der = pkcs8(text);
        } catch (IllegalArgumentException e) {
            throw new Failure("FIRSTBOOT_KEY_PEM names " + pem + ", whose PEM body is not base64");
        }
        SECRETS.add(Base64.getEncoder().encodeToString(der));
        for (String algorithm : List.of("EC", "RSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // the next algorithm
            }
        }
        throw new Failure("FIRSTBOOT_KEY_PEM names " + pem + ", which is neither an EC nor an RSA PKCS#8 key");
    }

    /** The {@code other-certificate} defect: a fresh self-signed P-256 certificate with the same CN. */
    private static X509Credential otherCertificate(String commonName) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        try {
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                    name, new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(2))), name, pair.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            return new X509Credential(List.of(cert), pair.getPrivate());
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign the other certificate: " + e.getMessage(), e);
        }
    }

    /** TLS trusting only the emulators' CA, with the device's certificate and key for X.509. */
    private static SSLContext sslContext(List<X509Certificate> trust, Optional<X509Credential> credential)
            throws GeneralSecurityException, IOException {
        KeyStore trustStore = KeyStore.getInstance("PKCS12");
        trustStore.load(null, null);
        for (int i = 0; i < trust.size(); i++) {
            trustStore.setCertificateEntry("ca-" + i, trust.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustStore);
        KeyManagerFactory kmf = null;
        if (credential.isPresent()) {
            char[] password = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("device", credential.get().key(), password,
                    credential.get().chain().toArray(new Certificate[0]));
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return context;
    }

    /**
     * The SDK's symmetric-key provider, trusting only the given CA instead of the JVM's default trust store. The SDK
     * takes the key as the bytes of its base64 text, not the raw key (docs/sdk-fidelity.md).
     */
    public static final class SymmetricKeyProvider extends SecurityProviderSymmetricKey {
        private final SSLContext tls;

        public SymmetricKeyProvider(String base64Key, String registrationId, SSLContext tls) {
            super(base64Key.getBytes(StandardCharsets.US_ASCII), registrationId);
            this.tls = tls;
        }

        @Override
        public SSLContext getSSLContext() {
            return tls;
        }

        @Override
        public String toString() {
            return "SymmetricKeyProvider[«masked»]";
        }
    }

    /** The SDK's X.509 provider on the device's chain, trusting only the given CA. */
    public static final class X509Provider extends SecurityProviderX509 {
        private final X509Credential credential;
        private final String registrationId;
        private final SSLContext tls;

        public X509Provider(X509Credential credential, String registrationId, SSLContext tls) {
            this.credential = credential;
            this.registrationId = registrationId;
            this.tls = tls;
        }

        /** The SDK registers under this name (with wrong-registration-id, not the certificate's CN). */
        @Override
        public String getClientCertificateCommonName() {
            return registrationId;
        }

        @Override
        public X509Certificate getClientCertificate() {
            return credential.chain().get(0);
        }

        @Override
        public Key getClientPrivateKey() {
            return credential.key();
        }

        @Override
        public Collection<X509Certificate> getIntermediateCertificatesChain() {
            return credential.chain().subList(1, credential.chain().size());
        }

        @Override
        public SSLContext getSSLContext() {
            return tls;
        }

        @Override
        public String toString() {
            return "X509Provider[" + registrationId + "]";
        }
    }
}
