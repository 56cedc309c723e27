package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The DPS emulator over real HTTPS on loopback, as a device using X.509 individual attestation sees it. */
class DpsHttpsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddedRig rig;

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private DeviceHttps device(KeyMaterial identity) {
        return new DeviceHttps(rig.backend.deviceEndpoints(), Optional.of(identity));
    }

    private KeyMaterial enrolled(String registrationId, Optional<String> deviceId, boolean enabled) {
        KeyMaterial key = TestPki.selfSigned(registrationId);
        rig.backend.enrollX509Individual(registrationId, Certificates.der(key.leaf()), deviceId, "hub-a", enabled);
        return key;
    }

    @Test
    void anEnrolledDeviceIsAcceptedThenAssignedToItsHubOnTheFirstPoll() throws Exception {
        KeyMaterial key = enrolled("dev-001", Optional.empty(), true);
        DeviceHttps device = device(key);

        HttpResponse<String> accepted = device.register("dev-001");
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(accepted.headers().firstValue("retry-after")).contains("1");
        JsonNode first = JSON.readTree(accepted.body());
        String operationId = first.get("operationId").asText();
        assertThat(operationId).isNotBlank();
        assertThat(first.get("status").asText()).isEqualTo("assigning");
        assertThat(accepted.headers().firstValue("Location")).contains("/" + EmbeddedRig.ID_SCOPE
                + "/registrations/dev-001/operations/" + operationId + "?api-version=" + DeviceHttps.API_VERSION);
        assertThat(rig.backend.registration("dev-001").orElseThrow().status()).isEqualTo("assigning");

        HttpResponse<String> polled = device.status("dev-001", operationId);
        assertThat(polled.statusCode()).isEqualTo(200);
        assertThat(polled.headers().firstValue("retry-after")).isEmpty();
        JsonNode done = JSON.readTree(polled.body());
        assertThat(done.get("operationId").asText()).isEqualTo(operationId);
        assertThat(done.get("status").asText()).isEqualTo("assigned");
        JsonNode state = done.get("registrationState");
        assertThat(state.get("registrationId").asText()).isEqualTo("dev-001");
        assertThat(state.get("assignedHub").asText()).isEqualTo("hub-a.localhost");
        assertThat(state.get("deviceId").asText()).isEqualTo("dev-001");
        assertThat(state.get("status").asText()).isEqualTo("assigned");
        assertThat(state.get("substatus").asText()).isEqualTo("initialAssignment");
        assertThat(Instant.parse(state.get("createdDateTimeUtc").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(Instant.parse(state.get("lastUpdatedDateTimeUtc").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(state.get("etag").asText()).isNotBlank();
        assertThat(state.get("x509").isObject()).isTrue();

        assertThat(rig.backend.hubDevice("hub-a", "dev-001"))
                .contains(new Backend.HubDeviceState("dev-001", false, 0, 0));
        Backend.Registration registration = rig.backend.registration("dev-001").orElseThrow();
        assertThat(registration.status()).isEqualTo("assigned");
        assertThat(registration.assignedHubHost()).contains("hub-a.localhost");
        assertThat(registration.deviceId()).contains("dev-001");
        assertThat(registration.presentedChains()).hasSize(2)
                .allSatisfy(chain -> assertThat(chain.get(0)).isEqualTo(Certificates.der(key.leaf())));
        assertThat(rig.backend.hubNameForHost("hub-a.localhost")).contains("hub-a");

        // the same outcome as any DPS's service API and hub registry give it
        Backend.RegistrationState observed = rig.backend.registrationState("dev-001").orElseThrow();
        assertThat(observed.status()).isEqualTo("assigned");
        assertThat(observed.assignedHub()).contains("hub-a.localhost");
        assertThat(observed.deviceId()).contains("dev-001");
        assertThat(observed.substatus()).contains("initialAssignment");
        assertThat(observed.errorCode()).isEmpty();
        assertThat(observed.createdAt().orElseThrow()).isBeforeOrEqualTo(observed.lastUpdatedAt().orElseThrow());
        assertThat(rig.backend.hubRegistryDevice("hub-a", "dev-001")).contains(new Backend.HubRegistryDevice(
                "dev-001", Backend.HubRegistryDevice.DISCONNECTED, Optional.empty(), Optional.empty(), false));
        assertThat(rig.backend.hubRegistryDevice("hub-a", "dev-404")).isEmpty();
    }

    @Test
    void theEnrollmentsDeviceIdOverridesTheRegistrationId() throws Exception {
        KeyMaterial key = enrolled("dev-002", Optional.of("kitchen-sensor"), true);
        DeviceHttps device = device(key);
        String op = JSON.readTree(device.register("dev-002").body()).get("operationId").asText();
        JsonNode state = JSON.readTree(device.status("dev-002", op).body()).get("registrationState");
        assertThat(state.get("deviceId").asText()).isEqualTo("kitchen-sensor");
        assertThat(rig.backend.hubDevice("hub-a", "kitchen-sensor")).isPresent();
        assertThat(rig.backend.hubDevice("hub-a", "dev-002")).isEmpty();
    }

    @Test
    void theTimelineShowsRequestAssignmentAndResponseInOrder() throws Exception {
        KeyMaterial key = enrolled("dev-003", Optional.empty(), true);
        DeviceHttps device = device(key);
        String op = JSON.readTree(device.register("dev-003").body()).get("operationId").asText();
        device.status("dev-003", op);

        List<TimelineEvent> requests = rig.events(EventKind.DPS_REQUEST, "dev-003");
        assertThat(requests).hasSize(2);
        assertThat(requests.get(0).attributes()).containsEntry("operation", "register").containsEntry("transport", "https")
                .containsEntry("method", "PUT").containsEntry("path", "/" + EmbeddedRig.ID_SCOPE
                        + "/registrations/dev-003/register").containsEntry("apiVersion", DeviceHttps.API_VERSION);
        assertThat(requests.get(1).attributes()).containsEntry("operation", "status").containsEntry("method", "GET")
                .containsEntry("path", "/" + EmbeddedRig.ID_SCOPE + "/registrations/dev-003/operations/" + op);

        List<TimelineEvent> responses = rig.events(EventKind.DPS_RESPONSE, "dev-003");
        assertThat(responses).hasSize(2);
        assertThat(responses.get(0).attributes()).containsEntry("operation", "register").containsEntry("status", "202")
                .containsEntry("dpsStatus", "assigning").containsEntry("retryAfter", "1")
                .containsEntry("errorCode", "").containsEntry("message", "");
        assertThat(responses.get(1).attributes()).containsEntry("operation", "status").containsEntry("status", "200")
                .containsEntry("dpsStatus", "assigned").containsEntry("retryAfter", "0");

        TimelineEvent assigned = rig.events(EventKind.DPS_ASSIGNED, "dev-003").get(0);
        assertThat(assigned.attributes()).containsEntry("assignedHub", "hub-a.localhost")
                .containsEntry("deviceId", "dev-003");
        assertThat(assigned.nanos()).isGreaterThan(requests.get(1).nanos()).isLessThanOrEqualTo(responses.get(1).nanos());
        assertThat(rig.timeline.events()).filteredOn(e -> e.kind() == EventKind.TLS_HANDSHAKE)
                .anySatisfy(e -> assertThat(e.attributes()).containsEntry("peer", "dev-003")
                        .containsKey("protocol"));
    }

    @Test
    void aDeviceWithoutAnEnrollmentGetsTheServicesUnauthorizedError() throws Exception {
        HttpResponse<String> r = device(TestPki.selfSigned("stranger")).register("stranger");
        assertUnauthorized(r);
        assertThat(rig.backend.registration("stranger").orElseThrow().status()).isEqualTo("unauthorized");
        assertThat(rig.backend.registration("stranger").orElseThrow().presentedChains()).hasSize(1);
        TimelineEvent response = rig.events(EventKind.DPS_RESPONSE, "stranger").get(0);
        assertThat(response.attributes()).containsEntry("status", "401").containsEntry("dpsStatus", "")
                .containsEntry("errorCode", "401002").containsEntry("message", "Unauthorized")
                .containsEntry("retryAfter", "0");
        assertThat(response.detail("reason")).contains("no individual enrollment");
        assertThat(rig.backend.registrationState("stranger")).as("a real DPS keeps no state for a device it refused")
                .isEmpty();
    }

    @Test
    void aCertificateWhoseCommonNameIsNotTheRegistrationIdIsRefused() throws Exception {
        enrolled("dev-004", Optional.empty(), true);
        KeyMaterial other = TestPki.selfSigned("someone-else");
        assertUnauthorized(device(other).register("dev-004"));
        assertThat(rig.backend.registration("dev-004").orElseThrow().presentedChains().get(0).get(0))
                .isEqualTo(Certificates.der(other.leaf()));
    }

    @Test
    void aDifferentCertificateWithTheRightCommonNameIsRefused() throws Exception {
        enrolled("dev-005", Optional.empty(), true);
        assertUnauthorized(device(TestPki.selfSigned("dev-005")).register("dev-005"));
        assertThat(rig.backend.hubDevice("hub-a", "dev-005")).isEmpty();
    }

    @Test
    void aDeviceWithoutAClientCertificateIsRefused() throws Exception {
        enrolled("dev-006", Optional.empty(), true);
        DeviceHttps anonymous = new DeviceHttps(rig.backend.deviceEndpoints(), Optional.empty());
        assertUnauthorized(anonymous.register("dev-006"));
        assertThat(rig.timeline.events()).filteredOn(e -> e.kind() == EventKind.TLS_HANDSHAKE)
                .anySatisfy(e -> assertThat(e.detail("peer")).isEqualTo("none"));
    }

    @Test
    void aDisabledEnrollmentEndsDisabledWithoutAHub() throws Exception {
        KeyMaterial key = enrolled("dev-007", Optional.empty(), false);
        DeviceHttps device = device(key);
        HttpResponse<String> accepted = device.register("dev-007");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String op = JSON.readTree(accepted.body()).get("operationId").asText();
        HttpResponse<String> polled = device.status("dev-007", op);
        assertThat(polled.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(polled.body());
        assertThat(body.get("status").asText()).isEqualTo("disabled");
        assertThat(body.get("registrationState").get("status").asText()).isEqualTo("disabled");
        assertThat(body.get("registrationState").has("assignedHub")).isFalse();
        assertThat(rig.backend.hubDevice("hub-a", "dev-007")).isEmpty();
        assertThat(rig.backend.registration("dev-007").orElseThrow().status()).isEqualTo("disabled");
        assertThat(rig.events(EventKind.DPS_ASSIGNED, "dev-007")).isEmpty();
    }

    @Test
    void aMissingApiVersionIsABadRequest() throws Exception {
        KeyMaterial key = enrolled("dev-008", Optional.empty(), true);
        HttpResponse<String> r = device(key).send("PUT", "/" + EmbeddedRig.ID_SCOPE + "/registrations/dev-008/register",
                "{\"registrationId\":\"dev-008\"}");
        assertError(r, 400, 400004);
        assertThat(JSON.readTree(r.body()).get("message").asText()).contains("api-version");
    }

    @Test
    void everySyntacticallyDateLikeApiVersionIsAccepted() throws Exception {
        KeyMaterial key = enrolled("dev-009", Optional.empty(), true);
        DeviceHttps device = device(key);
        for (String v : List.of("2019-03-31", "2021-06-01", "2021-10-01", "2025-01-01-preview")) {
            HttpResponse<String> r = device.send("PUT", "/" + EmbeddedRig.ID_SCOPE
                    + "/registrations/dev-009/register?api-version=" + v, "{\"registrationId\":\"dev-009\"}");
            assertThat(r.statusCode()).as(v).isEqualTo(202);
        }
        assertError(device.send("PUT", "/" + EmbeddedRig.ID_SCOPE + "/registrations/dev-009/register?api-version=soon",
                "{\"registrationId\":\"dev-009\"}"), 400, 400004);
    }

    @Test
    void malformedOrMismatchedBodiesAreBadRequests() throws Exception {
        KeyMaterial key = enrolled("dev-010", Optional.empty(), true);
        DeviceHttps device = device(key);
        String path = "/" + EmbeddedRig.ID_SCOPE + "/registrations/dev-010/register?api-version=2021-06-01";
        assertError(device.send("PUT", path, "{\"registrationId\":"), 400, 400004);
        HttpResponse<String> mismatch = device.send("PUT", path, "{\"registrationId\":\"dev-011\"}");
        assertError(mismatch, 400, 400004);
        assertThat(JSON.readTree(mismatch.body()).get("message").asText()).contains("dev-011");
    }

    @Test
    void anUnknownScopeOperationOrPathIsNotFoundAndAWrongMethodIsNotAllowed() throws Exception {
        KeyMaterial key = enrolled("dev-012", Optional.empty(), true);
        DeviceHttps device = device(key);
        assertError(device.send("PUT", "/0ne00NOPE/registrations/dev-012/register?api-version=2021-06-01",
                "{\"registrationId\":\"dev-012\"}"), 404, 404001);
        assertError(device.status("dev-012", "4.0000000000000000." + UUID.randomUUID()), 404, 404001);
        assertError(device.send("GET", "/favicon.ico", (String) null), 404, 404001);
        assertError(device.send("GET", "/" + EmbeddedRig.ID_SCOPE + "/registrations/dev-012/register?api-version=2021-06-01",
                (String) null), 405, 405001);
    }

    @Test
    void pathSegmentsAreUrlDecoded() throws Exception {
        KeyMaterial key = enrolled("dev.a:b", Optional.empty(), true);
        HttpResponse<String> r = device(key).send("PUT", "/" + EmbeddedRig.ID_SCOPE
                + "/registrations/dev.a%3Ab/register?api-version=2021-06-01", "{\"registrationId\":\"dev.a:b\"}");
        assertThat(r.statusCode()).isEqualTo(202);
    }

    @Test
    void aBodyOverTheServiceLimitIsRefusedWith413AndTheConnectionStaysUsable() throws Exception {
        KeyMaterial key = enrolled("dev-013", Optional.empty(), true);
        DeviceHttps device = device(key);
        byte[] huge = new byte[98_305];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> r = device.send("PUT", "/" + EmbeddedRig.ID_SCOPE
                + "/registrations/dev-013/register?api-version=2021-06-01", huge);
        assertError(r, 413, 413001);
        assertThat(device.register("dev-013").statusCode()).isEqualTo(202);
        assertThat(rig.events(EventKind.DPS_RESPONSE, "dev-013").get(0).detail("status")).isEqualTo("413");
    }

    @Test
    void aBodyExactlyAtTheLimitIsRead() throws Exception {
        KeyMaterial key = enrolled("dev-014", Optional.empty(), true);
        String json = "{\"registrationId\":\"dev-014\",\"payload\":\"";
        StringBuilder body = new StringBuilder(json);
        while (body.length() < 98_304 - 2) {
            body.append('x');
        }
        body.append("\"}");
        assertThat(body.toString().getBytes(StandardCharsets.UTF_8)).hasSize(98_304);
        assertThat(device(key).send("PUT", "/" + EmbeddedRig.ID_SCOPE
                + "/registrations/dev-014/register?api-version=2021-06-01", body.toString()).statusCode()).isEqualTo(202);
    }

    @Test
    void garbageOnTheDpsPortIsDroppedAndTheNextRealRequestWorks() throws Exception {
        KeyMaterial key = enrolled("dev-015", Optional.empty(), true);
        InetSocketAddress dps = new InetSocketAddress("127.0.0.1", rig.backend.deviceEndpoints().dps().getPort());
        assertThat(RawSocket.plainGarbageIsClosed(dps, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
                .isTrue();
        assertThat(RawSocket.tlsGarbageIsClosed(TestPki.clientContextTrusting(rig.backend.deviceEndpoints().trustAnchor(),
                Optional.of(key)), "localhost", dps, "\u0000\u0001\u0002 not http at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)))
                .isTrue();
        assertThat(device(key).register("dev-015").statusCode()).isEqualTo(202);
        assertThat(rig.await(EventKind.TLS_FAILED, "dps").detail("reason")).isNotBlank();
    }

    @Test
    void theRetryAfterIsConfigurableAndZeroSendsNoHeader() throws Exception {
        KeyMaterial key = enrolled("dev-016", Optional.empty(), true);
        DeviceHttps device = device(key);
        rig.backend.setRetryAfter(java.time.Duration.ofSeconds(3));
        assertThat(device.register("dev-016").headers().firstValue("retry-after")).contains("3");
        rig.backend.setRetryAfter(java.time.Duration.ZERO);
        HttpResponse<String> r = device.register("dev-016");
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.headers().firstValue("retry-after")).isEmpty();
        assertThat(rig.events(EventKind.DPS_RESPONSE, "dev-016").get(1).detail("retryAfter")).isEqualTo("0");
        rig.backend.resetForScenario();
        assertThat(rig.backend.retryAfter()).isEqualTo(java.time.Duration.ofSeconds(1));
        assertThat(rig.backend.registration("dev-016")).isEmpty();
        assertUnauthorized(device.register("dev-016"));
    }

    private static void assertUnauthorized(HttpResponse<String> r) throws Exception {
        assertError(r, 401, 401002);
        assertThat(JSON.readTree(r.body()).get("message").asText()).isEqualTo("Unauthorized");
    }

    private static void assertError(HttpResponse<String> r, int status, int errorCode) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("x-ms-error-code")).contains(Integer.toString(errorCode));
        assertThat(r.headers().firstValue("content-type")).contains("application/json; charset=utf-8");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("errorCode").isInt()).isTrue();
        assertThat(body.get("errorCode").asInt()).isEqualTo(errorCode);
        assertThat(UUID.fromString(body.get("trackingId").asText())).isNotNull();
        assertThat(body.get("message").asText()).isNotBlank();
        assertThat(Instant.parse(body.get("timestampUtc").asText())).isBeforeOrEqualTo(Instant.now());
    }
}
