package dev.firstboot.sdk;

import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClient;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientRegistrationResult;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientStatus;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientTransportProtocol;
import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProviderX509;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.TestBackends;
import dev.firstboot.service.dps.TestCa;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Outside proof of X.509 enrollment groups: the real Azure IoT Java device SDK presents a leaf and its intermediate
 * over HTTPS, the emulator matches the group on the root the device never sends, and the SDK ends ASSIGNED with the
 * leaf CN as device id.
 */
class AzureSdkX509GroupTest {
    /** The SDK waits in steps between its register and status calls; this bounds the whole registration. */
    private static final Duration REGISTRATION_DEADLINE = Duration.ofSeconds(90);

    private Backend backend;
    private ProvisioningDeviceClient client;

    @BeforeEach
    void start() throws Exception {
        backend = TestBackends.embedded((origin, kind, subject, attributes) -> { });
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        backend.close();
    }

    @Test
    void theAzureJavaSdkJoinsAnX509GroupOnARootItDoesNotPresent() throws Exception {
        TestCa root = TestCa.root("sdk-fleet-root");
        TestCa intermediate = root.intermediate("sdk-fleet-intermediate");
        KeyMaterial device = intermediate.leaf("sdk-x509-device-1");
        backend.enrollX509Group("sdk-fleet", root.der(), "hub-a", true);
        DeviceEndpoints endpoints = backend.deviceEndpoints();
        GroupMember provider = new GroupMember(device, endpoints.trustAnchor());

        client = ProvisioningDeviceClient.create(endpoints.dps().getHost() + ":" + endpoints.dps().getPort(),
                endpoints.idScope(), ProvisioningDeviceClientTransportProtocol.HTTPS, provider);
        CompletableFuture<ProvisioningDeviceClientRegistrationResult> done = new CompletableFuture<>();
        client.registerDevice((result, exception, context) -> {
            if (exception != null) {
                done.completeExceptionally(exception);
            } else {
                done.complete(result);
            }
        }, null);
        ProvisioningDeviceClientRegistrationResult result = done.get(REGISTRATION_DEADLINE.toMillis(),
                TimeUnit.MILLISECONDS);

        assertThat(result.getProvisioningDeviceClientStatus())
                .isEqualTo(ProvisioningDeviceClientStatus.PROVISIONING_DEVICE_STATUS_ASSIGNED);
        assertThat(result.getRegistrationId()).isEqualTo("sdk-x509-device-1");
        assertThat(result.getDeviceId()).isEqualTo("sdk-x509-device-1");
        assertThat(result.getIothubUri()).isEqualTo(backend.hubHost("hub-a").orElseThrow());
        Backend.Registration record = backend.registration("sdk-x509-device-1").orElseThrow();
        assertThat(record.presentedChains()).isNotEmpty();
        assertThat(record.presentedChains().get(record.presentedChains().size() - 1))
                .as("the SDK presented leaf and intermediate").hasSize(2);
        assertThat(backend.hubDevice("hub-a", "sdk-x509-device-1")).isPresent();
    }

    /**
     * The SDK's X.509 provider on a test key. Only {@link #getSSLContext()} is ours, to trust the run's CA; it
     * presents the leaf and the intermediates the SDK asks the provider for, as the SDK's own context does.
     */
    private static final class GroupMember extends SecurityProviderX509 {
        private final KeyMaterial key;
        private final X509Certificate trustAnchor;

        GroupMember(KeyMaterial key, X509Certificate trustAnchor) {
            this.key = key;
            this.trustAnchor = trustAnchor;
        }

        @Override
        public String getClientCertificateCommonName() {
            return "sdk-x509-device-1";
        }

        @Override
        public X509Certificate getClientCertificate() {
            return key.leaf();
        }

        @Override
        public Key getClientPrivateKey() {
            return key.key();
        }

        @Override
        public Collection<X509Certificate> getIntermediateCertificatesChain() {
            return key.chain().subList(1, key.chain().size());
        }

        @Override
        public SSLContext getSSLContext() {
            try {
                char[] password = new char[0];
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                List<Certificate> chain = new java.util.ArrayList<>();
                chain.add(getClientCertificate());
                chain.addAll(getIntermediateCertificatesChain());
                keys.setKeyEntry("device", getClientPrivateKey(), password, chain.toArray(Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, password);
                KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                trust.setCertificateEntry("firstboot-run-ca", trustAnchor);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
                return context;
            } catch (Exception e) {
                throw new IllegalStateException("could not build the device's TLS context: " + e.getMessage(), e);
            }
        }
    }
}
