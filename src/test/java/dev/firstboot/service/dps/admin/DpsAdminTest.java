package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import dev.firstboot.service.dps.store.StoreAdmin;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The service (enrollment) API over real HTTPS on loopback: authentication, errors, paging, proof of possession. */
class DpsAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V = "?api-version=2021-10-01";

    private StoreAdmin admin;
    private AdminServer server;
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        server = new AdminServer();
        admin = server.store;
        client = server.client();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String pathAndQuery, Optional<String> body,
                                      Optional<String> token, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(pathAndQuery))
                .method(method, body.map(HttpRequest.BodyPublishers::ofString)
                        .orElse(HttpRequest.BodyPublishers.noBody()))
                .header("Content-Type", "application/json");
        token.ifPresent(t -> b.header("Authorization", t));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> owner(String method, String pathAndQuery, String body, String... headers)
            throws Exception {
        return send(method, pathAndQuery, Optional.ofNullable(body), Optional.of(server.ownerToken()), headers);
    }

    private static String symmetricEnrollment(String id) {
        return "{\"registrationId\":\"" + id + "\",\"attestation\":{\"type\":\"symmetricKey\",\"symmetricKey\":"
                + "{\"primaryKey\":\"" + Base64.getEncoder().encodeToString(new byte[32]) + "\"}}}";
    }

    /** Asserts the real service's error shape and returns the body. */
    private static JsonNode error(HttpResponse<String> r, int status, int errorCode) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("errorCode").asInt()).isEqualTo(errorCode);
        assertThat(body.get("trackingId").asText()).isNotBlank();
        assertThat(body.get("message").asText()).isNotBlank();
        assertThat(Instant.parse(body.get("timestampUtc").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(r.headers().firstValue("x-ms-error-code")).contains(Integer.toString(errorCode));
        return body;
    }

    @Test
    void anIndividualEnrollmentIsCreatedReadAndDeletedWithAnOwnerToken() throws Exception {
        HttpResponse<String> put = owner("PUT", "/enrollments/dev-1" + V, symmetricEnrollment("dev-1"));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonNode stored = JSON.readTree(put.body());
        assertThat(stored.get("registrationId").asText()).isEqualTo("dev-1");
        String etag = stored.get("etag").asText();
        assertThat(put.headers().firstValue("ETag")).contains(etag);

        HttpResponse<String> get = owner("GET", "/enrollments/dev-1" + V, null);
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(get.body()).get("etag").asText()).isEqualTo(etag);

        assertThat(owner("DELETE", "/enrollments/dev-1" + V, null).statusCode()).isEqualTo(204);
        error(owner("GET", "/enrollments/dev-1" + V, null), 404, AdminService.ENROLLMENT_NOT_FOUND);
    }

    @Test
    void aRequestWithoutAnAuthorizationHeaderIsUnauthorized() throws Exception {
        JsonNode body = error(send("GET", "/enrollments/dev-1" + V, Optional.empty(), Optional.empty()), 401,
                AdminService.UNAUTHORIZED);
        assertThat(body.get("message").asText()).contains("no Authorization header");
    }

    @Test
    void aTokenWithAWrongSignatureUnknownPolicyWrongHostOrPastExpiryIsUnauthorizedAndNeverEchoed()
            throws Exception {
        ServiceSas.Policy owner = server.sas.policy(ServiceSas.OWNER_POLICY);
        Instant later = Instant.now().plusSeconds(600);
        ServiceSas.Policy stranger = ServiceSas.Policy.generate(ServiceSas.OWNER_POLICY);
        ServiceSas.Policy unknownName = new ServiceSas.Policy("registryRead", owner.key());
        List<String> bad = List.of(
                ServiceSas.token(AdminServer.HOST, stranger, later),
                ServiceSas.token(AdminServer.HOST, unknownName, later),
                ServiceSas.token("other-dps.azure-devices-provisioning.net", owner, later),
                ServiceSas.token(AdminServer.HOST, owner, Instant.now().minusSeconds(5)),
                "Bearer abc");
        List<String> messages = new ArrayList<>();
        for (String token : bad) {
            HttpResponse<String> r = send("GET", "/enrollments/dev-1" + V, Optional.empty(), Optional.of(token));
            JsonNode body = error(r, 401, AdminService.UNAUTHORIZED);
            String sig = token.contains("sig=") ? token.replaceAll(".*sig=([^&]*).*", "$1") : token;
            assertThat(r.body()).doesNotContain(sig).doesNotContain(owner.base64Key());
            messages.add(body.get("message").asText());
        }
        assertThat(messages.get(0)).contains("sig does not match");
        assertThat(messages.get(1)).contains("skn 'registryRead'");
        assertThat(messages.get(2)).contains("sr 'other-dps");
        assertThat(messages.get(3)).contains("expired");
        assertThat(messages.get(4)).contains("not a SharedAccessSignature");
    }

    @Test
    void aJavaSdkStyleTokenWithAnEncodedLowerCaseHostAndSeBeforeSknIsAccepted() throws Exception {
        ServiceSas.Policy owner = server.sas.policy(ServiceSas.OWNER_POLICY);
        long se = Instant.now().plusSeconds(600).getEpochSecond();
        String sr = java.net.URLEncoder.encode("LOCALHOST".toLowerCase(), "UTF-8");
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(owner.key(), "HmacSHA256"));
        String sig = java.net.URLEncoder.encode(Base64.getEncoder().encodeToString(
                mac.doFinal((sr + "\n" + se).getBytes(java.nio.charset.StandardCharsets.UTF_8))), "UTF-8");
        String token = "SharedAccessSignature sr=" + sr + "&sig=" + sig + "&se=" + se + "&skn=" + owner.name();
        HttpResponse<String> r = send("GET", "/enrollments/nobody" + V, Optional.empty(), Optional.of(token));
        error(r, 404, AdminService.ENROLLMENT_NOT_FOUND);
    }

    @Test
    void malformedJsonAndNonObjectBodiesAreBadRequests() throws Exception {
        JsonNode body = error(owner("PUT", "/enrollments/dev-1" + V, "{\"registrationId\": "), 400,
                AdminService.BAD_REQUEST);
        assertThat(body.get("message").asText()).contains("not valid JSON");
        JsonNode leaky = error(owner("PUT", "/enrollments/dev-1" + V, "{\"primaryKey\": s3cr3tK3yMaterial}"), 400,
                AdminService.BAD_REQUEST);
        assertThat(leaky.get("message").asText()).contains("line 1").doesNotContain("s3cr3tK3yMaterial");
        error(owner("PUT", "/enrollments/dev-1" + V, "[1,2]"), 400, AdminService.BAD_REQUEST);
        error(owner("PUT", "/enrollments/dev-1" + V, ""), 400, AdminService.BAD_REQUEST);
    }

    @Test
    void aBodyOverNinetySixKilobytesIsRefusedWith413BeforeItIsRead() throws Exception {
        String big = "{\"registrationId\":\"dev-1\",\"pad\":\"" + "x".repeat(98_304) + "\"}";
        HttpResponse<String> r = owner("PUT", "/enrollments/dev-1" + V, big);
        assertThat(r.statusCode()).isEqualTo(413);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("errorCode").asInt()).isEqualTo(413001);
        assertThat(admin.get(EnrollmentAdmin.Collection.ENROLLMENTS, "dev-1")).isEmpty();
    }

    @Test
    void aMissingOrUnknownApiVersionIsABadRequest() throws Exception {
        JsonNode missing = error(owner("GET", "/enrollments/dev-1", null), 400, AdminService.BAD_REQUEST);
        assertThat(missing.get("message").asText()).contains("api-version");
        JsonNode unknown = error(owner("GET", "/enrollments/dev-1?api-version=1999-01-01", null), 400,
                AdminService.BAD_REQUEST);
        assertThat(unknown.get("message").asText()).contains("1999-01-01").contains("2021-10-01");
        assertThat(owner("GET", "/enrollments/dev-1?api-version=2019-03-31", null).statusCode()).isEqualTo(404);
    }

    @Test
    void invalidRegistrationIdsAreBadRequests() throws Exception {
        for (String id : List.of("bad%20id", "ends-with-dot.", "a".repeat(129), "semi%3Bcolon")) {
            JsonNode body = error(owner("GET", "/enrollments/" + id + V, null), 400, AdminService.BAD_REQUEST);
            assertThat(body.get("message").asText()).startsWith("Invalid id");
        }
        error(owner("PUT", "/enrollmentGroups/grp%21" + V, "{}"), 400, AdminService.BAD_REQUEST);
        assertThat(owner("GET", "/enrollments/Dev_1.a:b-" + V, null).statusCode()).isEqualTo(404);
    }

    @Test
    void anIdInTheBodyThatDiffersFromThePathIsABadRequest() throws Exception {
        JsonNode body = error(owner("PUT", "/enrollments/dev-1" + V, symmetricEnrollment("dev-2")), 400,
                AdminService.BAD_REQUEST);
        assertThat(body.get("message").asText()).contains("dev-2").contains("dev-1");
        error(owner("PUT", "/enrollmentGroups/grp-1" + V, "{\"enrollmentGroupId\":\"grp-2\"}"), 400,
                AdminService.BAD_REQUEST);
    }

    @Test
    void unknownDocumentsAndPathsAreNotFound() throws Exception {
        error(owner("GET", "/enrollmentGroups/none" + V, null), 404, AdminService.GROUP_NOT_FOUND);
        error(owner("GET", "/registrations/none" + V, null), 404, AdminService.REGISTRATION_NOT_FOUND);
        error(owner("GET", "/enrollments/a/b/c" + V, null), 404, AdminService.NOT_FOUND);
        error(owner("DELETE", "/enrollments/none" + V, null), 404, 404201);
    }

    @Test
    void anIfMatchThatIsNotTheStoredEtagIsAPreconditionFailure() throws Exception {
        String etag = JSON.readTree(owner("PUT", "/enrollments/dev-1" + V, symmetricEnrollment("dev-1")).body())
                .get("etag").asText();
        error(owner("PUT", "/enrollments/dev-1" + V, symmetricEnrollment("dev-1"), "If-Match", "\"stale\""), 412,
                412002);
        error(owner("DELETE", "/enrollments/dev-1" + V, null, "If-Match", "\"stale\""), 412, 412002);
        HttpResponse<String> updated = owner("PUT", "/enrollments/dev-1" + V, symmetricEnrollment("dev-1"),
                "If-Match", etag);
        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(updated.body()).get("etag").asText()).isNotEqualTo(etag);
    }

    @Test
    void aMethodAResourceDoesNotTakeIsNotAllowed() throws Exception {
        HttpResponse<String> patch = owner("PATCH", "/enrollments/dev-1" + V, "{}");
        error(patch, 405, AdminService.METHOD_NOT_ALLOWED);
        assertThat(patch.headers().firstValue("Allow")).contains("GET, PUT, DELETE");
        error(owner("PUT", "/registrations/dev-1" + V, "{}"), 405, AdminService.METHOD_NOT_ALLOWED);
        error(owner("GET", "/enrollments/query" + V, null), 405, AdminService.METHOD_NOT_ALLOWED);
    }

    @Test
    void aQueryPagesThroughTheCollectionWithContinuationTokens() throws Exception {
        for (int i = 1; i <= 5; i++) {
            assertThat(owner("PUT", "/enrollments/dev-" + i + V, symmetricEnrollment("dev-" + i)).statusCode())
                    .isEqualTo(200);
        }
        List<String> seen = new ArrayList<>();
        Optional<String> continuation = Optional.empty();
        int pages = 0;
        do {
            List<String> headers = new ArrayList<>(List.of("x-ms-max-item-count", "2"));
            continuation.ifPresent(c -> headers.addAll(List.of("x-ms-continuation", c)));
            HttpResponse<String> page = owner("POST", "/enrollments/query" + V, "{\"query\":\"SELECT * FROM c\"}",
                    headers.toArray(String[]::new));
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            assertThat(page.headers().firstValue("x-ms-item-type")).contains("enrollment");
            JSON.readTree(page.body()).forEach(e -> seen.add(e.get("registrationId").asText()));
            continuation = page.headers().firstValue("x-ms-continuation");
            pages++;
        } while (continuation.isPresent() && pages < 10);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactly("dev-1", "dev-2", "dev-3", "dev-4", "dev-5");
        error(owner("POST", "/enrollments/query" + V, "{}"), 400, AdminService.BAD_REQUEST);
        error(owner("POST", "/enrollments/query" + V, "{\"query\":\"x\"}", "x-ms-max-item-count", "0"), 400,
                AdminService.BAD_REQUEST);
    }

    @Test
    void registrationsOfAGroupAreQueriedByGroupId() throws Exception {
        ObjectNode a = JSON.createObjectNode().put("registrationId", "dev-a").put("enrollmentGroupId", "grp-1")
                .put("status", "assigned");
        ObjectNode b = JSON.createObjectNode().put("registrationId", "dev-b").put("enrollmentGroupId", "grp-2")
                .put("status", "assigned");
        admin.putRegistration("dev-a", a);
        admin.putRegistration("dev-b", b);
        HttpResponse<String> r = owner("POST", "/registrations/grp-1/query" + V, "{\"query\":\"*\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-ms-item-type")).contains("deviceRegistration");
        JsonNode items = JSON.readTree(r.body());
        assertThat(items).hasSize(1);
        assertThat(items.get(0).get("registrationId").asText()).isEqualTo("dev-a");
        assertThat(owner("GET", "/registrations/dev-b" + V, null).statusCode()).isEqualTo(200);
        assertThat(owner("DELETE", "/registrations/dev-b" + V, null).statusCode()).isEqualTo(204);
    }

    @Test
    void aCaCertificateIsVerifiedOnlyByACertificateWithTheCodeSignedByItsKey() throws Exception {
        KeyMaterial ca = TestPki.selfSigned("my-root-ca");
        String caPem = pem(ca.leaf());
        HttpResponse<String> put = owner("PUT", "/certificates/root-1" + V, json("certificate", caPem));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(JSON.readTree(put.body()).at("/properties/isVerified").asBoolean()).isFalse();

        HttpResponse<String> code = owner("POST", "/certificates/root-1/generateVerificationCode" + V, null);
        assertThat(code.statusCode()).isEqualTo(200);
        String verificationCode = JSON.readTree(code.body()).at("/properties/verificationCode").asText();
        assertThat(verificationCode).isNotBlank();

        KeyMaterial impostor = TestPki.selfSigned("someone-else");
        error(owner("POST", "/certificates/root-1/verify" + V,
                json("certificate", pem(issue(verificationCode, impostor)))), 400, 400004);
        HttpResponse<String> verified = owner("POST", "/certificates/root-1/verify" + V,
                json("certificate", pem(issue(verificationCode, ca))));
        assertThat(verified.statusCode()).as(verified.body()).isEqualTo(200);
        assertThat(JSON.readTree(owner("GET", "/certificates/root-1" + V, null).body())
                .at("/properties/isVerified").asBoolean()).isTrue();

        error(owner("PUT", "/certificates/root-1" + V, "{}"), 400, AdminService.BAD_REQUEST);
        error(owner("PUT", "/certificates/bad%20name" + V, json("certificate", caPem)), 400,
                AdminService.BAD_REQUEST);
        assertThat(owner("DELETE", "/certificates/root-1" + V, null).statusCode()).isEqualTo(204);
        error(owner("GET", "/certificates/root-1" + V, null), 404, AdminService.CERTIFICATE_NOT_FOUND);
    }

    @Test
    void theDeviceApiOnTheSameListenerRefusesAnInvalidRegistrationIdWith400() throws Exception {
        HttpResponse<String> r = send("PUT", "/" + AdminServer.ID_SCOPE + "/registrations/bad%20id/register"
                + "?api-version=2021-06-01", Optional.of("{\"registrationId\":\"bad id\"}"), Optional.empty());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("errorCode").asInt()).isEqualTo(400004);
        HttpResponse<String> valid = send("PUT", "/" + AdminServer.ID_SCOPE + "/registrations/dev-1/register"
                + "?api-version=2021-06-01", Optional.of("{\"registrationId\":\"dev-1\"}"), Optional.empty());
        assertThat(valid.statusCode()).as("the device API, not the service API, answers").isEqualTo(401);
    }

    @Test
    void secretsStayOutOfToStringAndOfTheConnectionStringOnlyWhereAsked() {
        ServiceSas.Policy owner = server.sas.policy(ServiceSas.OWNER_POLICY);
        assertThat(owner.toString()).doesNotContain(owner.base64Key()).contains("hidden");
        AdminCall call = new AdminCall("GET", AdminRoute.of("/enrollments/x" + V), Optional.of(server.ownerToken()),
                Optional.empty(), Optional.empty(), Optional.empty(), new byte[0]);
        assertThat(call.toString()).doesNotContain("SharedAccessSignature");
        assertThat(ServiceSas.connectionString("localhost", owner)).isEqualTo("HostName=localhost;"
                + "SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=" + owner.base64Key());
    }

    private static String json(String field, String value) throws Exception {
        return JSON.writeValueAsString(JSON.createObjectNode().put(field, value));
    }

    static String pem(X509Certificate c) throws Exception {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(
                c.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    }

    /** A certificate with CN = {@code cn}, signed by {@code issuer}'s key. */
    static X509Certificate issue(String cn, KeyMaterial issuer) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        var keys = g.generateKeyPair();
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(X500Name.getInstance(
                issuer.leaf().getSubjectX500Principal().getEncoded()), BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86_400)), new X500Name("CN=" + cn),
                keys.getPublic());
        return new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.key())));
    }
}
