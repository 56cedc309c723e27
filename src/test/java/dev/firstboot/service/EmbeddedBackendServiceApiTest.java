package dev.firstboot.service;

import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.timeline.EventKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded rig serves the REST service API on its DPS HTTPS listener, signed with the run's random owner key, in
 * front of the same store the device side and the steps use.
 */
class EmbeddedBackendServiceApiTest {
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private EmbeddedRig rig;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE)
                .sslContext(TestPki.clientContextTrusting(rig.backend.deviceEndpoints().trustAnchor(),
                        Optional.empty())).build();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private HttpResponse<String> send(String method, String path, String body, String token) throws Exception {
        URI dps = rig.backend.deviceEndpoints().dps();
        return client.send(HttpRequest.newBuilder(dps.resolve(path + "?api-version=2021-10-01")).timeout(DEADLINE)
                .header("Authorization", token).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String token(String connectionString) {
        String[] parts = connectionString.split(";");
        ServiceSas.Policy policy = ServiceSas.Policy.of(parts[1].substring("SharedAccessKeyName=".length()),
                parts[2].substring("SharedAccessKey=".length()));
        return ServiceSas.token(parts[0].substring("HostName=".length()), policy, Instant.now().plusSeconds(600));
    }

    @Test
    void anEnrollmentPutThroughTheServiceApiIsInTheStoreTheDeviceSideUses() throws Exception {
        String owner = token(rig.backend.serviceConnectionString());
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        HttpResponse<String> put = send("PUT", "/enrollments/api-dev-1", """
                {"registrationId": "api-dev-1", "attestation": {"type": "symmetricKey",
                 "symmetricKey": {"primaryKey": "%s"}}, "iotHubs": ["hub-a.localhost"]}""".formatted(key), owner);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(rig.backend.enrollmentAdmin().get(EnrollmentAdmin.Collection.ENROLLMENTS, "api-dev-1"))
                .isPresent();

        rig.backend.enrollSymmetricKeyIndividual("steps-dev-1", new byte[32], Optional.empty(), "hub-a", true);
        assertThat(send("GET", "/enrollments/steps-dev-1", null, owner).statusCode()).isEqualTo(200);

        rig.backend.resetForScenario();
        assertThat(send("GET", "/enrollments/api-dev-1", null, owner).statusCode()).isEqualTo(404);
    }

    @Test
    void aKeyFromAnotherRunIsRefusedAndTheTimelineHoldsNoKey() throws Exception {
        String stranger = ServiceSas.token("localhost", ServiceSas.Policy.generate(ServiceSas.OWNER_POLICY),
                Instant.now().plusSeconds(600));
        assertThat(send("GET", "/enrollments/any", null, stranger).statusCode()).isEqualTo(401);
        String key = rig.backend.serviceConnectionString().split("SharedAccessKey=")[1];
        assertThat(rig.timeline.render()).doesNotContain(key);
        assertThat(rig.timeline.events(e -> e.kind() == EventKind.DPS_REQUEST)).isNotEmpty();
    }
}
