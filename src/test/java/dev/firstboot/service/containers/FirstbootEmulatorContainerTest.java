package dev.firstboot.service.containers;

import dev.firstboot.Required;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.timeline.TimelineSink;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.firstboot.service.remote.EmulatorBackend;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link FirstbootEmulatorContainer} as a user's test would use it: start it, read the endpoints, ID scope and CA it
 * publishes, and register a real X.509 device over mutual TLS through the published port, trusting only that CA.
 */
class FirstbootEmulatorContainerTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Pattern STATUS = Pattern.compile("\"status\"\\s*:\\s*\"([a-z]+)\"");
    private static final Pattern OPERATION = Pattern.compile("\"operationId\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern HUB = Pattern.compile("\"assignedHub\"\\s*:\\s*\"([^\"]+)\"");

    @Test
    void aDeviceRegistersWithTheEmulatorInTheContainerAndIsAssignedItsHub() throws Exception {
        Optional<String> why = DockerEngine.whyUnavailable(FirstbootEmulatorContainer.defaultImage());
        Required.check(Required.Component.CONTAINERS, why);
        try (FirstbootEmulatorContainer emulator = new FirstbootEmulatorContainer()
                .withRigConfig("0ne00C0FFEE", 0)) {
            emulator.start();
            assertThat(emulator.getIdScope()).isEqualTo("0ne00C0FFEE");
            assertThat(emulator.getDpsEndpoint().toString()).matches("https://localhost:\\d+");
            assertThat(emulator.getCaCertificatePem()).startsWith("-----BEGIN CERTIFICATE-----");
            assertThat(emulator.getHubHosts()).containsEntry("hub-a", "hub-a.localhost");
            assertThat(emulator.getHubAddress("hub-a").getPort()).isNotEqualTo(FirstbootEmulatorContainer.HUB_A_PORT);

            EmulatorBackend backend = EmulatorBackend.connect(new EmulatorBackend.Settings("containers",
                    emulator.getDpsEndpoint(), emulator.getServiceConnectionString(), emulator.getCaCertificate(),
                    Optional.of("0ne00C0FFEE"), Map.of("hub-a", emulator.getHubAddress("hub-a")),
                    emulator.getDpsMqttAddress(), Optional.of(Duration.ZERO)), TimelineSink.NONE, () -> { });
            assertThat(backend.hubNames()).containsExactly("hub-a", "hub-b");
            KeyMaterial device = TestPki.selfSigned("container-device-01");
            backend.enrollX509Individual("container-device-01", device.leaf().getEncoded(), Optional.empty(), "hub-a",
                    true);

            HttpClient client = HttpClient.newBuilder()
                    .sslContext(TestPki.clientContextTrusting(emulator.getCaCertificate(), Optional.of(device)))
                    .version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE).build();
            String base = emulator.getDpsEndpoint() + "/" + emulator.getIdScope() + "/registrations/container-device-01";
            HttpResponse<String> r = send(client, "PUT", base + "/register?api-version=2021-06-01",
                    "{\"registrationId\":\"container-device-01\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
            String operation = group(OPERATION, r.body());
            long end = System.nanoTime() + DEADLINE.toNanos();
            String status = group(STATUS, r.body());
            while (!status.equals("assigned") && System.nanoTime() < end) {
                r = send(client, "GET", base + "/operations/" + operation + "?api-version=2021-06-01", null);
                status = group(STATUS, r.body());
            }
            assertThat(status).as(r.body()).isEqualTo("assigned");
            assertThat(group(HUB, r.body())).isEqualTo("hub-a.localhost");
            assertThat(backend.registration("container-device-01")).hasValueSatisfying(reg ->
                    assertThat(reg.presentedChains()).isNotEmpty());
            backend.close();
        }
    }

    @Test
    void theImageRunsFirstbootEmulatorAsANonRootUserThatTurnsHealthyAndServesTlsOnThePublishedPort() throws Exception {
        Optional<String> why = DockerEngine.whyUnavailable(FirstbootEmulatorContainer.defaultImage());
        Required.check(Required.Component.CONTAINERS, why);
        try (FirstbootEmulatorContainer emulator = new FirstbootEmulatorContainer()) {
            emulator.start();
            assertThat(emulator.execInContainer("id", "-u").getStdout().strip()).isEqualTo("10001");
            assertThat(emulator.getIdScope()).isEqualTo("0ne00FB0001");
            assertThat(emulator.getHubHosts()).containsEntry("hub-a", "hub-a.localhost").containsEntry("hub-b", "hub-b.localhost");
            // The connection string holds a key: check its shape without letting AssertJ print it.
            boolean shaped = emulator.getServiceConnectionString()
                    .matches("HostName=localhost;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=[A-Za-z0-9+/=]{20,}");
            assertThat(shaped).as("the service connection string is HostName=localhost;SharedAccessKeyName="
                    + "provisioningserviceowner;SharedAccessKey=<base64>").isTrue();

            long end = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            String health = "";
            while (System.nanoTime() < end) {
                var state = emulator.getDockerClient().inspectContainerCmd(emulator.getContainerId()).exec().getState();
                health = state.getHealth() == null ? "none" : state.getHealth().getStatus();
                if (health.equals("healthy") || health.equals("unhealthy")) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(250).toNanos()); // polling Docker's view
            }
            assertThat(health).as("the HEALTHCHECK's verdict within 45 s").isEqualTo("healthy");

            KeyMaterial stranger = TestPki.selfSigned("not-enrolled-01");
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(TestPki.clientContextTrusting(emulator.getCaCertificate(), Optional.of(stranger)))
                    .version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE).build();
            HttpResponse<String> r = send(client, "PUT", emulator.getDpsEndpoint() + "/" + emulator.getIdScope()
                    + "/registrations/not-enrolled-01/register?api-version=2021-06-01",
                    "{\"registrationId\":\"not-enrolled-01\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        }
    }

    private static String group(Pattern p, String body) {
        Matcher m = p.matcher(body);
        return m.find() ? m.group(1) : "";
    }

    private static HttpResponse<String> send(HttpClient client, String method, String uri, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(DEADLINE).header("Accept", "application/json");
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json; charset=utf-8")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
