package dev.firstboot.sdk;

import com.microsoft.azure.sdk.iot.device.ClientOptions;
import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubClientProtocol;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClient;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientRegistrationResult;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientStatus;
import com.microsoft.azure.sdk.iot.provisioning.device.ProvisioningDeviceClientTransportProtocol;
import com.microsoft.azure.sdk.iot.provisioning.service.ProvisioningServiceClient;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.DeviceRegistrationState;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.IndividualEnrollment;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.SymmetricKeyAttestation;
import dev.firstboot.Required;
import dev.firstboot.cli.EmulatorProcess;
import dev.firstboot.pki.TestPki;
import dev.firstboot.programs.JavaDeviceProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The standalone emulator serves outside clients the way docs/emulator.md tells people to set it up: {@code firstboot
 * emulator} as a real child JVM with DPS HTTPS on 127.0.0.1:443, DPS MQTT on 127.0.0.1:8883 and the hub on another
 * loopback address's 8883 (the stock SDKs' fixed ports), {@code --data} in a folder. The real Azure IoT Java service
 * SDK creates a symmetric-key enrollment from the printed connection string, the real device SDK registers it over
 * HTTPS and its hub client sends telemetry; after a SIGTERM and a restart on the same folder the enrollment and the
 * registration are still there.
 */
class EmulatorOutsideClientTest {
    private static final int HTTPS_PORT = 443;
    private static final int MQTT_PORT = 8883;
    /** Other tests (ServiceSdkTest) may hold 127.0.0.1:443 for a while; wait for it rather than fail. */
    private static final Duration PORT_DEADLINE = Duration.ofSeconds(90);
    private static final Duration REGISTRATION_DEADLINE = Duration.ofSeconds(90);
    private static final Duration HUB_DEADLINE = Duration.ofSeconds(30);
    private static final String REGISTRATION_ID = "outside-sdk-device-1";
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;

    @Test
    void theServiceAndDeviceSdksWorkAgainstTheStandaloneEmulatorAndItsEnrollmentsSurviveARestart() throws Exception {
        Optional<String> hubAddress = freeHubAddress();
        // the stock SDKs dial 8883 for both DPS MQTT and the hub, so they need two addresses
        Required.check(Required.Component.STOCK_PORTS, hubAddress.isPresent() ? Optional.empty()
                : Optional.of("cannot bind port " + MQTT_PORT + " on a 127/8 address other than 127.0.0.1"));
        // The config docs/emulator.md shows for the stock SDKs.
        Path config = Files.writeString(dir.resolve("emulator.yaml"), """
                host: localhost
                bind: 127.0.0.1
                dps-https: 443
                dps-mqtt: 8883
                hubs:
                  - {name: hub-a, host: %s, bind: %s, port: 8883}
                """.formatted(hubAddress.get(), hubAddress.get()));
        Path data = dir.resolve("data");

        EmulatorProcess first = startOnFixedPorts(config, data);
        Map<String, String> printed = first.lines();
        assertThat(printed.get("dps-https")).isEqualTo("https://localhost:443");
        assertThat(printed.get("hub.hub-a")).isEqualTo("mqtts://" + hubAddress.get() + ":8883");
        SSLContext trustEmulator = TestPki.clientContextTrusting(certificate(Path.of(printed.get("ca-certificate"))),
                Optional.empty());
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        String keyBase64 = Base64.getEncoder().encodeToString(key);
        try {
            // 1. The service SDK, on the printed connection string, enrolls the device.
            withJvmTrust(trustEmulator, () -> {
                ProvisioningServiceClient service = ProvisioningServiceClient.createFromConnectionString(
                        printed.get("service-connection-string"));
                IndividualEnrollment created = service.createOrUpdateIndividualEnrollment(new IndividualEnrollment(
                        REGISTRATION_ID, new SymmetricKeyAttestation(keyBase64, keyBase64)));
                assertThat(created.getRegistrationId()).isEqualTo(REGISTRATION_ID);
                assertThat(created.getEtag()).isNotBlank();
            });

            // 2. The device SDK registers over HTTPS on the printed host and id scope.
            ProvisioningDeviceClient provisioning = ProvisioningDeviceClient.create("localhost",
                    printed.get("id-scope"), ProvisioningDeviceClientTransportProtocol.HTTPS,
                    new JavaDeviceProgram.SymmetricKeyProvider(keyBase64, REGISTRATION_ID, trustEmulator));
            ProvisioningDeviceClientRegistrationResult result;
            try {
                result = AzureSdkProvisioningAndHubTest.registerWithin(provisioning, REGISTRATION_DEADLINE);
            } finally {
                provisioning.close();
            }
            assertThat(result.getProvisioningDeviceClientStatus())
                    .isEqualTo(ProvisioningDeviceClientStatus.PROVISIONING_DEVICE_STATUS_ASSIGNED);
            assertThat(result.getIothubUri()).isEqualTo(hubAddress.get());
            assertThat(result.getDeviceId()).isEqualTo(REGISTRATION_ID);

            // 3. The hub client on what DPS returned sends telemetry (sendEvent returns once the hub acknowledged).
            DeviceClient device = new DeviceClient("HostName=" + result.getIothubUri() + ";DeviceId="
                    + result.getDeviceId() + ";SharedAccessKey=" + keyBase64, IotHubClientProtocol.MQTT,
                    ClientOptions.builder().sslContext(trustEmulator).build());
            device.setOperationTimeout(HUB_DEADLINE.toMillis());
            try {
                device.open(false);
                device.sendEvent(new Message("{\"temperature\":21.5}"));
            } finally {
                device.close();
            }
        } finally {
            assertThat(first.stop()).as("exit code after SIGTERM").isZero();
        }
        assertThat(first.stderr()).doesNotContain(keyBase64)
                .doesNotContain(printed.get("service-connection-string").split("SharedAccessKey=")[1]);

        // 4. A restart on the same --data: the enrollment and the device's registration are still there.
        EmulatorProcess second = startOnFixedPorts(config, data);
        try {
            assertThat(second.lines().get("service-connection-string"))
                    .isEqualTo(printed.get("service-connection-string"));
            withJvmTrust(trustEmulator, () -> {
                ProvisioningServiceClient service = ProvisioningServiceClient.createFromConnectionString(
                        second.lines().get("service-connection-string"));
                IndividualEnrollment kept = service.getIndividualEnrollment(REGISTRATION_ID);
                assertThat(kept.getRegistrationId()).isEqualTo(REGISTRATION_ID);
                assertThat(((SymmetricKeyAttestation) kept.getAttestation()).getPrimaryKey()).isEqualTo(keyBase64);
                DeviceRegistrationState state = service.getDeviceRegistrationState(REGISTRATION_ID);
                assertThat(state.getAssignedHub()).isEqualTo(hubAddress.get());
                assertThat(state.getDeviceId()).isEqualTo(REGISTRATION_ID);
            });
        } finally {
            assertThat(second.stop()).isZero();
        }
    }

    interface SdkCalls {
        void run() throws Exception;
    }

    /**
     * The service SDK opens {@link HttpsURLConnection}s with the JVM defaults and takes no SSLContext, so the test
     * trusts the emulator's CA JVM-wide for the calls and puts the defaults back after (docs/emulator.md shows the
     * same, and the trust-store alternative for a separate program).
     */
    private static void withJvmTrust(SSLContext tls, SdkCalls calls) throws Exception {
        SSLSocketFactory savedFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        HostnameVerifier savedVerifier = HttpsURLConnection.getDefaultHostnameVerifier();
        HttpsURLConnection.setDefaultSSLSocketFactory(tls.getSocketFactory());
        try {
            calls.run();
        } finally {
            HttpsURLConnection.setDefaultSSLSocketFactory(savedFactory);
            HttpsURLConnection.setDefaultHostnameVerifier(savedVerifier);
        }
    }

    /**
     * Starts the emulator, again while a port it needs is held by another program, until {@link #PORT_DEADLINE};
     * fails or skips the test as {@link Required} says when the ports cannot be bound at all (no root for 443) or
     * stayed busy.
     */
    private EmulatorProcess startOnFixedPorts(Path config, Path data) throws Exception {
        Instant deadline = Instant.now().plus(PORT_DEADLINE);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            EmulatorProcess.Start start = EmulatorProcess.start(dir, "--config", config.toString(),
                    "--data", data.toString());
            if (start instanceof EmulatorProcess.Ready ready) {
                return ready.process();
            }
            EmulatorProcess.Exited exited = (EmulatorProcess.Exited) start;
            last = exited.stderr();
            // the stock service SDK only speaks to 443
            Required.check(Required.Component.STOCK_PORTS, last.contains("needs root")
                    ? Optional.of("cannot bind port " + HTTPS_PORT + ", which needs root or CAP_NET_BIND_SERVICE: " + last)
                    : Optional.empty());
            if (!last.contains("already in use")) {
                throw new AssertionError("the emulator exited " + exited.exit() + " before 'ready': " + last);
            }
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos()); // poll the port's state until the deadline
        }
        Required.check(Required.Component.STOCK_PORTS, Optional.of("ports " + HTTPS_PORT + "/" + MQTT_PORT
                + " on 127.0.0.1 stayed busy for " + PORT_DEADLINE.toSeconds() + " s (ss -ltnp shows who holds them): "
                + last));
        throw new IllegalStateException("unreachable");
    }

    /** A random 127/8 address (not 127.0.0.1) whose port 8883 is free. */
    private static Optional<String> freeHubAddress() {
        for (int attempt = 0; attempt < 8; attempt++) {
            String address = "127." + (1 + RANDOM.nextInt(250)) + "." + RANDOM.nextInt(256) + "."
                    + (2 + RANDOM.nextInt(250));
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(address, MQTT_PORT));
                return Optional.of(address);
            } catch (BindException e) {
                if (!String.valueOf(e.getMessage()).contains("in use")) {
                    return Optional.empty();
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
