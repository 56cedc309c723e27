package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.identity.tpm.SasTokens;
import dev.firstboot.pki.TestPki;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DPS's decisions on symmetric-key devices, individual and group, over real HTTPS with SAS in Authorization. */
class SymmetricKeyDpsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final SecureRandom RANDOM = new SecureRandom();

    private EmbeddedRig rig;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig(1, List.of("hub-a", "hub-b"));
        client = HttpClient.newBuilder()
                .sslContext(TestPki.clientContextTrusting(rig.backend.deviceEndpoints().trustAnchor(), Optional.empty()))
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(DEADLINE).build();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private static byte[] key() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return k;
    }

    /** The derivation written out independently of the code under test (dps.md §1.7, the Java SDK sample). */
    private static byte[] derived(byte[] groupKey, String registrationId) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(Base64.getEncoder().encodeToString(groupKey)),
                "HmacSHA256"));
        return Base64.getDecoder().decode(Base64.getEncoder().encodeToString(
                mac.doFinal(registrationId.getBytes(StandardCharsets.UTF_8))));
    }

    private static String sas(String regId, byte[] key, SasTokens.ScopeEncoding encoding, Optional<String> skn,
                              Instant expiry) {
        return SasTokens.build(EmbeddedRig.ID_SCOPE + "/registrations/" + regId, encoding, key, expiry, skn);
    }

    private static String sas(String regId, byte[] key) {
        return sas(regId, key, SasTokens.ScopeEncoding.ENCODED, Optional.of("registration"),
                Instant.now().plusSeconds(2400));
    }

    private HttpResponse<String> register(String regId, Optional<String> authorization) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(rig.backend.deviceEndpoints().dps() + "/" + EmbeddedRig.ID_SCOPE
                + "/registrations/" + regId + "/register?api-version=2021-06-01"))
                .header("Content-Type", "application/json; charset=utf-8")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"registrationId\":\"" + regId + "\"}")), authorization);
    }

    private HttpResponse<String> status(String regId, String op, Optional<String> authorization) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(rig.backend.deviceEndpoints().dps() + "/" + EmbeddedRig.ID_SCOPE
                + "/registrations/" + regId + "/operations/" + op + "?api-version=2019-03-31")).GET(), authorization);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, Optional<String> authorization) throws Exception {
        b.timeout(DEADLINE).header("Accept", "application/json");
        authorization.ifPresent(a -> b.header("Authorization", a));
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Registers and polls once with the same SAS; returns the final body. */
    private JsonNode registerAndPoll(String regId, String sas) throws Exception {
        HttpResponse<String> accepted = register(regId, Optional.of(sas));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String op = JSON.readTree(accepted.body()).get("operationId").asText();
        HttpResponse<String> polled = status(regId, op, Optional.of(sas));
        assertThat(polled.statusCode()).as(polled.body()).isEqualTo(200);
        return JSON.readTree(polled.body());
    }

    private void assertUnauthorized(HttpResponse<String> r, String reason, String regId) throws Exception {
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).get("errorCode").asInt()).isEqualTo(401002);
        assertThat(r.headers().firstValue("x-ms-error-code")).contains("401002");
        TimelineEvent response = rig.events(EventKind.DPS_RESPONSE, regId).get(0);
        assertThat(response.detail("reason")).contains(reason);
        assertThat(rig.backend.registration(regId).orElseThrow().status()).isEqualTo("unauthorized");
    }

    @Test
    void anIndividuallyEnrolledDeviceIsAssignedAndItsHubKnowsItsKey() throws Exception {
        byte[] key = key();
        rig.backend.enrollSymmetricKeyIndividual("sk-001", key, Optional.of("boiler"), "hub-a", true);

        JsonNode done = registerAndPoll("sk-001", sas("sk-001", key));

        assertThat(done.get("status").asText()).isEqualTo("assigned");
        JsonNode state = done.get("registrationState");
        assertThat(state.get("assignedHub").asText()).isEqualTo("hub-a.localhost");
        assertThat(state.get("deviceId").asText()).isEqualTo("boiler");
        assertThat(state.get("symmetricKey").isObject()).isTrue();
        assertThat(state.get("symmetricKey").has("enrollmentGroupId")).isFalse();
        assertThat(state.has("x509")).isFalse();
        assertThat(rig.backend.hubDevice("hub-a", "boiler")).isPresent();
        assertThat(rig.backend.registration("sk-001").orElseThrow().status()).isEqualTo("assigned");
    }

    @Test
    void theJavaSdksRawScopeAndEmptyKeyNameAreAcceptedToo() throws Exception {
        byte[] key = key();
        rig.backend.enrollSymmetricKeyIndividual("sk-002", key, Optional.empty(), "hub-a", true);
        String javaStyle = sas("sk-002", key, SasTokens.ScopeEncoding.RAW, Optional.of(""),
                Instant.now().plusSeconds(3600));
        assertThat(javaStyle).contains("sr=" + EmbeddedRig.ID_SCOPE + "/registrations/sk-002&").endsWith("&skn=");

        assertThat(registerAndPoll("sk-002", javaStyle).get("status").asText()).isEqualTo("assigned");
    }

    @Test
    void aSasSignedWithAnotherKeyIsRefusedAsUnauthorized() throws Exception {
        rig.backend.enrollSymmetricKeyIndividual("sk-003", key(), Optional.empty(), "hub-a", true);
        assertUnauthorized(register("sk-003", Optional.of(sas("sk-003", key()))), "sig does not match", "sk-003");
        assertThat(rig.backend.hubDevice("hub-a", "sk-003")).isEmpty();
    }

    @Test
    void anExpiredSasIsRefused() throws Exception {
        byte[] key = key();
        rig.backend.enrollSymmetricKeyIndividual("sk-004", key, Optional.empty(), "hub-a", true);
        String expired = sas("sk-004", key, SasTokens.ScopeEncoding.ENCODED, Optional.of("registration"),
                Instant.now().minusSeconds(60));
        assertUnauthorized(register("sk-004", Optional.of(expired)), "expired", "sk-004");
    }

    @Test
    void anUnknownKeyNameIsRefused() throws Exception {
        byte[] key = key();
        rig.backend.enrollSymmetricKeyIndividual("sk-005", key, Optional.empty(), "hub-a", true);
        String other = sas("sk-005", key, SasTokens.ScopeEncoding.ENCODED, Optional.of("owner"),
                Instant.now().plusSeconds(600));
        assertUnauthorized(register("sk-005", Optional.of(other)), "skn \"owner\"", "sk-005");
    }

    @Test
    void aRegistrationWithoutASasIsRefused() throws Exception {
        rig.backend.enrollSymmetricKeyIndividual("sk-006", key(), Optional.empty(), "hub-a", true);
        assertUnauthorized(register("sk-006", Optional.empty()), "no Authorization", "sk-006");
    }

    @Test
    void aSasForAnotherRegistrationIdIsRefused() throws Exception {
        byte[] key = key();
        rig.backend.enrollSymmetricKeyIndividual("sk-007", key, Optional.empty(), "hub-a", true);
        assertUnauthorized(register("sk-007", Optional.of(sas("sk-008", key))), "expected " + EmbeddedRig.ID_SCOPE
                + "/registrations/sk-007", "sk-007");
    }

    @Test
    void aStatusPollWithoutTheSasIsRefused() throws Exception {
        byte[] key = key();
        rig.backend.enrollSymmetricKeyIndividual("sk-009", key, Optional.empty(), "hub-a", true);
        String op = JSON.readTree(register("sk-009", Optional.of(sas("sk-009", key))).body()).get("operationId").asText();
        HttpResponse<String> polled = status("sk-009", op, Optional.empty());
        assertThat(polled.statusCode()).isEqualTo(401);
        assertThat(rig.backend.hubDevice("hub-a", "sk-009")).isEmpty();
    }

    @Test
    void aDisabledIndividualEnrollmentEndsDisabled() throws Exception {
        byte[] key = key();
        rig.backend.enrollSymmetricKeyIndividual("sk-010", key, Optional.empty(), "hub-a", false);
        JsonNode done = registerAndPoll("sk-010", sas("sk-010", key));
        assertThat(done.get("status").asText()).isEqualTo("disabled");
        assertThat(done.get("registrationState").has("assignedHub")).isFalse();
        assertThat(rig.backend.hubDevice("hub-a", "sk-010")).isEmpty();
    }

    @Test
    void aGroupMemberSigningWithItsDerivedKeyIsAssignedAsItsRegistrationId() throws Exception {
        byte[] groupKey = key();
        rig.backend.enrollSymmetricKeyGroup("line-3", groupKey, "hub-b", true);

        JsonNode done = registerAndPoll("unit-0042", sas("unit-0042", derived(groupKey, "unit-0042")));

        assertThat(done.get("status").asText()).isEqualTo("assigned");
        JsonNode state = done.get("registrationState");
        assertThat(state.get("assignedHub").asText()).isEqualTo("hub-b.localhost");
        assertThat(state.get("deviceId").asText()).isEqualTo("unit-0042");
        assertThat(state.get("symmetricKey").get("enrollmentGroupId").asText()).isEqualTo("line-3");
        assertThat(rig.backend.hubDevice("hub-b", "unit-0042")).isPresent();
    }

    @Test
    void theGroupIsFoundAmongSeveralByTheKeyThatVerifies() throws Exception {
        byte[] first = key();
        byte[] second = key();
        rig.backend.enrollSymmetricKeyGroup("line-1", first, "hub-a", true);
        rig.backend.enrollSymmetricKeyGroup("line-2", second, "hub-b", true);
        JsonNode state = registerAndPoll("unit-7", sas("unit-7", derived(second, "unit-7"))).get("registrationState");
        assertThat(state.get("symmetricKey").get("enrollmentGroupId").asText()).isEqualTo("line-2");
        assertThat(state.get("assignedHub").asText()).isEqualTo("hub-b.localhost");
    }

    @Test
    void aGroupMemberSigningWithTheGroupKeyItselfIsRefused() throws Exception {
        byte[] groupKey = key();
        rig.backend.enrollSymmetricKeyGroup("line-3", groupKey, "hub-b", true);
        assertUnauthorized(register("unit-0043", Optional.of(sas("unit-0043", groupKey))),
                "verifies with the derived key of no enrollment group", "unit-0043");
    }

    @Test
    void aDerivedKeyOfAnotherRegistrationIdIsRefused() throws Exception {
        byte[] groupKey = key();
        rig.backend.enrollSymmetricKeyGroup("line-3", groupKey, "hub-b", true);
        assertUnauthorized(register("unit-0044", Optional.of(sas("unit-0044", derived(groupKey, "unit-0045")))),
                "group 'line-3'", "unit-0044");
    }

    @Test
    void anIndividualEnrollmentTakesPrecedenceOverAGroup() throws Exception {
        byte[] groupKey = key();
        rig.backend.enrollSymmetricKeyGroup("line-3", groupKey, "hub-b", true);
        rig.backend.enrollSymmetricKeyIndividual("unit-0046", key(), Optional.empty(), "hub-a", true);
        assertUnauthorized(register("unit-0046", Optional.of(sas("unit-0046", derived(groupKey, "unit-0046")))),
                "individual enrollment of 'unit-0046'", "unit-0046");
    }

    @Test
    void aDisabledGroupEndsDisabled() throws Exception {
        byte[] groupKey = key();
        rig.backend.enrollSymmetricKeyGroup("line-4", groupKey, "hub-a", false);
        JsonNode done = registerAndPoll("unit-9", sas("unit-9", derived(groupKey, "unit-9")));
        assertThat(done.get("status").asText()).isEqualTo("disabled");
        assertThat(rig.backend.hubDevice("hub-a", "unit-9")).isEmpty();
    }

    @Test
    void aSasWithoutAnyEnrollmentOrGroupIsRefused() throws Exception {
        assertUnauthorized(register("nobody", Optional.of(sas("nobody", key()))), "no symmetric-key enrollment group",
                "nobody");
    }

    @Test
    void keysOutsideSixteenToSixtyFourBytesAreNotEnrolled() {
        assertThatThrownBy(() -> rig.backend.enrollSymmetricKeyIndividual("short", new byte[8], Optional.empty(),
                "hub-a", true)).hasMessageContaining("16 to 64 bytes, got 8");
        assertThatThrownBy(() -> rig.backend.enrollSymmetricKeyGroup("g", new byte[65], "hub-a", true))
                .hasMessageContaining("16 to 64 bytes, got 65");
    }

    @Test
    void resetForgetsGroups() throws Exception {
        byte[] groupKey = key();
        rig.backend.enrollSymmetricKeyGroup("line-3", groupKey, "hub-b", true);
        rig.backend.resetForScenario();
        assertUnauthorized(register("unit-1", Optional.of(sas("unit-1", derived(groupKey, "unit-1")))),
                "no symmetric-key enrollment group", "unit-1");
    }
}
