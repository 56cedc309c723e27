package dev.firstboot.sdk;

import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClient;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientRegistrationResult;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientStatus;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientTransportProtocol;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProviderTpm;
import dev.firstboot.programs.SdkTpmProvider;
import com.microsoft.azure.sdk.iot.provisioning.security.exceptions.SecurityProviderException;
import dev.firstboot.Required;
import dev.firstboot.device.tpm.Swtpm;
import dev.firstboot.device.tpm.TpmDevice;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.TestBackends;
import dev.firstboot.timeline.EventKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outside proof of our DPS emulator's TPM attestation: the real Azure IoT Java device SDK
 * ({@code provisioning-device-client}) provisions a real TPM (swtpm, through our {@link TpmDevice}) over HTTPS against
 * the embedded backend. The SDK drives the whole exchange (PUT without auth, 401 challenge with the activation blob,
 * PUT with the SAS signed by the imported key, polling, the second blob on assignment); our code only answers the
 * SDK's {@link SecurityProviderTpm} calls with TPM commands ({@link SdkTpmProvider}, which the Java reference device
 * program uses too).
 */
class AzureSdkTpmProvisioningTest {
    private static final Duration SWTPM_START = Duration.ofSeconds(10);
    /** The SDK waits in 4 s steps between its register and status calls; this bounds the whole registration. */
    private static final Duration REGISTRATION_DEADLINE = Duration.ofSeconds(90);
    private static final String HUB = "hub-a";
    private static final String DEVICE_ID = "sdk-tpm-device-1";

    @TempDir
    Path dir;
    private Swtpm swtpm;
    private TpmDevice tpm;
    private Backend backend;
    private ProvisioningDeviceClient client;
    /** What the emulator saw and answered, in order (no bodies). */
    private final List<Seen> wire = Collections.synchronizedList(new ArrayList<>());

    private record Seen(EventKind kind, Map<String, String> attributes) {
        /** "operation httpStatus [dpsStatus]" for a response, "operation method apiVersion" for a request. */
        String summary() {
            String op = attributes.getOrDefault("operation", "");
            return switch (kind) {
                case DPS_RESPONSE -> (op + " " + attributes.get("status") + " " + attributes.get("dpsStatus")).trim();
                case DPS_REQUEST -> op + " " + attributes.get("method") + " " + attributes.get("apiVersion");
                default -> kind.name();
            };
        }
    }

    @BeforeEach
    void start() throws Exception {
        Required.swtpm();
        swtpm = Swtpm.start(dir, SWTPM_START);
        tpm = TpmDevice.connect(swtpm);
        backend = TestBackends.embedded((origin, kind, subject, attributes) -> {
            if (kind == EventKind.DPS_REQUEST || kind == EventKind.DPS_RESPONSE || kind == EventKind.DPS_CHALLENGE) {
                wire.add(new Seen(kind, Map.copyOf(attributes)));
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (tpm != null) {
            tpm.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void theAzureJavaSdkProvisionsASwtpmDeviceAgainstTheEmulatorOverHttps() throws Exception {
        String registrationId = tpm.registrationId();
        backend.enrollTpmIndividual(registrationId, tpm.endorsementKey(), Optional.of(DEVICE_ID), HUB, true);
        DeviceEndpoints endpoints = backend.deviceEndpoints();
        // The SDK builds "https://" + globalEndpoint + "/" + idScope + ...: host:port goes into the URL's authority.
        String globalEndpoint = endpoints.dps().getHost() + ":" + endpoints.dps().getPort();
        SdkTpmProvider provider = new SdkTpmProvider(tpm, trusting(endpoints.trustAnchor()));

        // The SDK derives the registration id from the EK itself (base32 of SHA-256); it must be ours.
        assertThat(provider.getRegistrationId()).isEqualTo(registrationId);

        Outcome outcome = register(globalEndpoint, endpoints.idScope(), provider);
        assertThat(outcome.exception()).as("SDK exception (TPM calls: %s)", provider.calls()).isNull();
        ProvisioningDeviceClientRegistrationResult result = outcome.result();

        String hubHost = backend.hubHost(HUB).orElseThrow();
        assertThat(result.getProvisioningDeviceClientStatus())
                .as("SDK status (TPM calls: %s)", provider.calls())
                .isEqualTo(ProvisioningDeviceClientStatus.PROVISIONING_DEVICE_STATUS_ASSIGNED);
        assertThat(result.getIothubUri()).isEqualTo(hubHost);
        assertThat(result.getDeviceId()).isEqualTo(DEVICE_ID);
        assertThat(result.getRegistrationId()).isEqualTo(registrationId);

        // The SDK went through the challenge: one blob from the 401, a SAS signed with the key it held, and the hub
        // key blob from the assigned result.
        assertThat(provider.calls()).containsSubsequence("activate", "sign", "activate");

        Backend.Registration record = backend.registration(registrationId).orElseThrow();
        assertThat(record.status()).isEqualTo("assigned");
        assertThat(record.assignedHubHost()).contains(hubHost);
        assertThat(record.deviceId()).contains(DEVICE_ID);
        assertThat(backend.hubDevice(HUB, DEVICE_ID)).as("the device registered in hub %s", HUB).isPresent();

        // The emulator's side of the same exchange (dps.md §1.8): the SDK's api-version, the 401 challenge, the
        // authorised register (202 assigning), then the status poll answered with 200 assigned.
        assertThat(seen()).as("emulator wire log").containsSubsequence(
                "register PUT 2019-03-31", "DPS_CHALLENGE", "register 401",
                "register PUT 2019-03-31", "register 202 assigning",
                "status GET 2019-03-31", "status 200 assigned");
    }

    /**
     * Negative control: the same SDK run against an emulator that corrupts its activation blobs must not end in
     * ASSIGNED. Our TPM refuses the blob inside the SDK's activateIdentityKey and the SDK reports that as a failure.
     */
    @Test
    void theSdkDoesNotGetAssignedWhenTheEmulatorTampersWithTheActivationBlob() throws Exception {
        String registrationId = tpm.registrationId();
        backend.enrollTpmIndividual(registrationId, tpm.endorsementKey(), Optional.of(DEVICE_ID), HUB, true);
        backend.tamperActivationBlobs(true);
        DeviceEndpoints endpoints = backend.deviceEndpoints();
        SdkTpmProvider provider = new SdkTpmProvider(tpm, trusting(endpoints.trustAnchor()));

        Outcome outcome = register(endpoints.dps().getHost() + ":" + endpoints.dps().getPort(), endpoints.idScope(),
                provider);

        assertThat(outcome.status()).as("SDK outcome %s", outcome)
                .isEqualTo(ProvisioningDeviceClientStatus.PROVISIONING_DEVICE_STATUS_ERROR);
        assertThat(outcome.exception()).as("SDK exception").isNotNull();
        Throwable fromProvider = outcome.exception();
        while (fromProvider != null && !(fromProvider instanceof SecurityProviderException)) {
            fromProvider = fromProvider.getCause();
        }
        assertThat(fromProvider).as("our provider's refusal in the SDK's exception chain: %s", outcome.exception())
                .isNotNull().hasMessageContaining("TPM2_ActivateCredential").hasMessageContaining("TPM_RC_INTEGRITY");
        assertThat(provider.calls()).as("the SDK never signed a SAS with a key from a corrupt blob")
                .containsExactly("activate");
        assertThat(backend.registration(registrationId).map(Backend.Registration::status)).isNotEqualTo(
                Optional.of("assigned"));
        assertThat(backend.hubDevice(HUB, DEVICE_ID)).isEmpty();
    }

    /** What the SDK's registration callback reported: a result, an exception, or both. */
    private record Outcome(ProvisioningDeviceClientRegistrationResult result, Exception exception) {
        ProvisioningDeviceClientStatus status() {
            return result == null ? null : result.getProvisioningDeviceClientStatus();
        }

        @Override
        public String toString() {
            return "status " + status() + (result == null ? "" : ", dps status " + result.getStatus())
                    + (exception == null ? "" : ", exception " + exception);
        }
    }

    /** Runs the SDK's asynchronous registration and waits for its callback, at most REGISTRATION_DEADLINE. */
    private Outcome register(String globalEndpoint, String idScope, SdkTpmProvider provider) throws Exception {
        client = ProvisioningDeviceClient.create(globalEndpoint, idScope, ProvisioningDeviceClientTransportProtocol.HTTPS,
                provider);
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        client.registerDevice((result, exception, context) -> done.complete(new Outcome(result, exception)), null);
        try {
            return done.get(REGISTRATION_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the SDK's registration callback did not run within "
                    + REGISTRATION_DEADLINE.toSeconds() + " s; TPM calls so far: " + provider.calls()
                    + "; emulator saw: " + seen(), e);
        }
    }

    private List<String> seen() {
        synchronized (wire) {
            return wire.stream().map(Seen::summary).toList();
        }
    }

    private static SSLContext trusting(X509Certificate ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("firstboot-run-ca", ca);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
