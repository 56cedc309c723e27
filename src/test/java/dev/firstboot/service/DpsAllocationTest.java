package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.TestCa;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Allocation policies (hashed, static, geoLatency, custom webhook) over the real DPS HTTPS front, three hubs. */
class DpsAllocationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HUBS = List.of("hub-a", "hub-b", "hub-c");

    private EmbeddedRig rig;
    private HttpServer webhook;

    @AfterEach
    void stop() {
        if (rig != null) {
            rig.close();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    private void start(Map<String, Integer> latencies) throws Exception {
        rig = new EmbeddedRig(new EmbeddedBackend.Settings(EmbeddedRig.ID_SCOPE, 0, HUBS, Optional.empty(),
                latencies));
    }

    /** An individual X.509 enrollment in the service's JSON, with {@code extra} fields merged in. */
    private KeyMaterial enroll(String registrationId, String extra) throws Exception {
        KeyMaterial key = TestPki.selfSigned(registrationId);
        ObjectNode doc = (ObjectNode) JSON.readTree("{" + extra + "}");
        doc.putObject("attestation").put("type", "x509").putObject("x509").putObject("clientCertificates")
                .putObject("primary").put("certificate", TestCa.pem(key.leaf()));
        rig.backend.enrollmentAdmin().put(EnrollmentAdmin.Collection.ENROLLMENTS, registrationId, doc,
                Optional.empty());
        return key;
    }

    @Test
    void hashedSpreadsDevicesOverTheLinkedHubsAndSendsEachToTheSameHubEveryTime() throws Exception {
        start(Map.of());
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            String id = "hashed-" + i;
            KeyMaterial key = enroll(id, "\"allocationPolicy\":\"hashed\","
                    + "\"iotHubs\":[\"hub-a.localhost\",\"hub-b.localhost\"]");
            String first = Provisioning.provision(rig, key, id).state().get("assignedHub").asText();
            String again = Provisioning.provision(rig, key, id).state().get("assignedHub").asText();
            assertThat(again).isEqualTo(first);
            used.add(first);
        }
        assertThat(used).containsExactlyInAnyOrder("hub-a.localhost", "hub-b.localhost");
    }

    @Test
    void hashedWithNoLinkedHubsListedUsesEveryHubOfTheDps() throws Exception {
        start(Map.of());
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 15; i++) {
            KeyMaterial key = enroll("all-" + i, "\"allocationPolicy\":\"hashed\"");
            used.add(Provisioning.provision(rig, key, "all-" + i).state().get("assignedHub").asText());
        }
        assertThat(used).hasSize(3);
    }

    @Test
    void staticSendsTheDeviceToItsOneHub() throws Exception {
        start(Map.of());
        KeyMaterial key = enroll("static-1", "\"allocationPolicy\":\"static\",\"iotHubs\":[\"hub-c.localhost\"]");

        assertThat(Provisioning.provision(rig, key, "static-1").state().get("assignedHub").asText())
                .isEqualTo("hub-c.localhost");
    }

    @Test
    void geoLatencyPicksTheLinkedHubWithTheLowestConfiguredLatency() throws Exception {
        start(Map.of("hub-a", 80, "hub-b", 5, "hub-c", 40));
        KeyMaterial all = enroll("geo-1", "\"allocationPolicy\":\"geoLatency\"");
        KeyMaterial notB = enroll("geo-2", "\"allocationPolicy\":\"geoLatency\","
                + "\"iotHubs\":[\"hub-a.localhost\",\"hub-c.localhost\"]");

        assertThat(Provisioning.provision(rig, all, "geo-1").state().get("assignedHub").asText())
                .isEqualTo("hub-b.localhost");
        assertThat(Provisioning.provision(rig, notB, "geo-2").state().get("assignedHub").asText())
                .isEqualTo("hub-c.localhost");
    }

    /** A webhook on loopback that hands every request to the test and answers {@code status} with {@code body}. */
    private BlockingQueue<JsonNode> webhook(int status, String body) throws Exception {
        BlockingQueue<JsonNode> requests = new LinkedBlockingQueue<>();
        webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        webhook.createContext("/allocate", exchange -> {
            try (exchange) {
                requests.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
                byte[] answer = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, answer.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer);
                }
            }
        });
        webhook.start();
        return requests;
    }

    private String custom() {
        return "\"allocationPolicy\":\"custom\",\"customAllocationDefinition\":{\"webhookUrl\":\"http://127.0.0.1:"
                + webhook.getAddress().getPort() + "/allocate\",\"apiVersion\":\"2021-10-01\"}";
    }

    @Test
    void customAsksTheWebhookWithTheRealRequestShapeAndAssignsWhatItAnswers() throws Exception {
        start(Map.of());
        BlockingQueue<JsonNode> requests = webhook(200, "{\"iotHubHostName\":\"hub-c.localhost\","
                + "\"initialTwin\":{\"tags\":{\"site\":\"lab\"},\"properties\":{\"desired\":{\"interval\":30}}},"
                + "\"payload\":{\"welcome\":\"aboard\"}}");
        KeyMaterial key = enroll("custom-1", custom());

        Provisioning.Outcome done = Provisioning.provision(rig, key, "custom-1", "{\"model\":\"m-7\"}");

        assertThat(done.status()).isEqualTo("assigned");
        assertThat(done.state().get("assignedHub").asText()).isEqualTo("hub-c.localhost");
        assertThat(done.state().get("payload")).isEqualTo(JSON.readTree("{\"welcome\":\"aboard\"}"));
        JsonNode request = requests.poll(5, TimeUnit.SECONDS);
        assertThat(request).isNotNull();
        assertThat(request.at("/individualEnrollment/registrationId").asText()).isEqualTo("custom-1");
        assertThat(request.at("/deviceRuntimeContext/registrationId").asText()).isEqualTo("custom-1");
        assertThat(request.at("/deviceRuntimeContext/payload/model").asText()).isEqualTo("m-7");
        assertThat(request.at("/deviceRuntimeContext/x509").isObject()).isTrue();
        assertThat(request.get("linkedHubs")).hasSize(3);
    }

    @Test
    void aWebhookThatFailsMakesAFailedRegistrationWithAnErrorCode() throws Exception {
        start(Map.of());
        webhook(500, "{}");
        KeyMaterial key = enroll("custom-2", custom());

        Provisioning.Outcome done = Provisioning.provision(rig, key, "custom-2");

        assertThat(done.httpStatus()).isEqualTo(200);
        assertThat(done.status()).isEqualTo("failed");
        assertThat(done.state().get("errorCode").asInt()).isEqualTo(400207);
        assertThat(done.state().get("errorMessage").asText()).contains("HTTP 500");
        assertThat(rig.backend.registration("custom-2").orElseThrow().status()).isEqualTo("failed");
        assertThat(rig.backend.hubDevice("hub-a", "custom-2")).isEmpty();
    }

    @Test
    void aWebhookThatNamesAnUnlinkedHubMakesAFailedRegistration() throws Exception {
        start(Map.of());
        webhook(200, "{\"iotHubHostName\":\"elsewhere.azure-devices.net\"}");
        KeyMaterial key = enroll("custom-3", custom());

        Provisioning.Outcome done = Provisioning.provision(rig, key, "custom-3");

        assertThat(done.status()).isEqualTo("failed");
        assertThat(done.state().get("errorCode").asInt()).isEqualTo(400208);
        assertThat(done.state().get("errorMessage").asText()).contains("elsewhere.azure-devices.net");
    }

    @Test
    void aWebhookNobodyListensOnMakesAFailedRegistration() throws Exception {
        start(Map.of());
        webhook(200, "{}");
        KeyMaterial key = enroll("custom-4", custom());
        webhook.stop(0);
        webhook = null;

        Provisioning.Outcome done = Provisioning.provision(rig, key, "custom-4");

        assertThat(done.status()).isEqualTo("failed");
        assertThat(done.state().get("errorCode").asInt()).isEqualTo(400207);
    }
}
