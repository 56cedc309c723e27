package dev.firstboot.service.dps.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.service.dps.TestCa;
import dev.firstboot.service.dps.admin.EnrollmentAdmin.AdminError;
import dev.firstboot.service.dps.admin.EnrollmentAdmin.Collection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    private final StoreAdmin admin = new StoreAdmin(EnrollmentStore.inMemory());

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        admin.store().close();
    }

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text);
    }

    private static ObjectNode symmetricKeyEnrollment() throws Exception {
        return json("{\"attestation\":{\"type\":\"symmetricKey\",\"symmetricKey\":{\"primaryKey\":\"" + KEY
                + "\"}},\"iotHubs\":[\"hub-a.localhost\"]}");
    }

    @Test
    void aStoredEnrollmentComesBackWithTheServiceDefaultsAnEtagAndTimestamps() throws Exception {
        ObjectNode stored = admin.put(Collection.ENROLLMENTS, "dev-1", symmetricKeyEnrollment(), Optional.empty());

        ObjectNode read = admin.get(Collection.ENROLLMENTS, "dev-1").orElseThrow();
        assertThat(read).isEqualTo(stored);
        assertThat(read.get("registrationId").asText()).isEqualTo("dev-1");
        assertThat(read.get("provisioningStatus").asText()).isEqualTo("enabled");
        assertThat(read.get("allocationPolicy").asText()).isEqualTo("hashed");
        assertThat(read.at("/reprovisionPolicy/updateHubAssignment").asBoolean()).isTrue();
        assertThat(read.at("/reprovisionPolicy/migrateDeviceData").asBoolean()).isTrue();
        assertThat(read.at("/attestation/symmetricKey/secondaryKey").asText()).isNotBlank();
        assertThat(read.get("etag").asText()).isNotBlank();
        assertThat(read.get("createdDateTimeUtc").asText()).isEqualTo(read.get("lastUpdatedDateTimeUtc").asText());
    }

    @Test
    void badBodiesAreRefusedWithA400ThatNamesTheFieldAndWhatWasExpected() throws Exception {
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1", json("{}"), Optional.empty()))
                .isInstanceOfSatisfying(AdminError.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.errorCode()).isEqualTo(400004);
                })
                .hasMessageContaining("attestation").hasMessageContaining("expected");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1",
                json("{\"attestation\":{\"type\":\"psk\"}}"), Optional.empty()))
                .hasMessageContaining("attestation.type").hasMessageContaining("x509, tpm or symmetricKey");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1",
                symmetricKeyEnrollment().put("allocationPolicy", "nearest"), Optional.empty()))
                .hasMessageContaining("allocationPolicy").hasMessageContaining("hashed, geoLatency, static or custom");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1",
                symmetricKeyEnrollment().put("allocationPolicy", "custom"), Optional.empty()))
                .hasMessageContaining("customAllocationDefinition");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1",
                symmetricKeyEnrollment().put("registrationId", "dev-2"), Optional.empty()))
                .hasMessageContaining("the path says \"dev-1\"");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1",
                symmetricKeyEnrollment().put("registrationID", "dev-1"), Optional.empty()))
                .hasMessageContaining("registrationID").hasMessageContaining("not a field");
        ObjectNode shortKey = symmetricKeyEnrollment();
        ((ObjectNode) shortKey.at("/attestation/symmetricKey")).put("primaryKey", "c2hvcnQ=");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1", shortKey, Optional.empty()))
                .hasMessageContaining("16 to 64 bytes").hasMessageNotContaining("c2hvcnQ=");
        assertThat(admin.get(Collection.ENROLLMENTS, "dev-1")).isEmpty();
    }

    @Test
    void ifMatchMustNameTheCurrentEtagOrTheWriteIsA412() throws Exception {
        ObjectNode first = admin.put(Collection.ENROLLMENTS, "dev-1", symmetricKeyEnrollment(), Optional.empty());
        String etag = first.get("etag").asText();

        ObjectNode second = admin.put(Collection.ENROLLMENTS, "dev-1",
                symmetricKeyEnrollment().put("provisioningStatus", "disabled"), Optional.of(etag));
        assertThat(second.get("etag").asText()).isNotEqualTo(etag);
        assertThat(second.get("createdDateTimeUtc")).isEqualTo(first.get("createdDateTimeUtc"));

        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENTS, "dev-1", symmetricKeyEnrollment(),
                Optional.of(etag))).isInstanceOfSatisfying(AdminError.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(412);
                    assertThat(e.errorCode()).isEqualTo(412002);
                }).hasMessageContaining("GET it again");
        assertThatThrownBy(() -> admin.delete(Collection.ENROLLMENTS, "dev-1", Optional.of(etag)))
                .isInstanceOfSatisfying(AdminError.class, e -> assertThat(e.httpStatus()).isEqualTo(412));
        admin.put(Collection.ENROLLMENTS, "dev-1", symmetricKeyEnrollment(), Optional.of("*"));
        admin.delete(Collection.ENROLLMENTS, "dev-1", Optional.of("*"));
        assertThatThrownBy(() -> admin.delete(Collection.ENROLLMENTS, "dev-1", Optional.empty()))
                .isInstanceOfSatisfying(AdminError.class, e -> assertThat(e.errorCode()).isEqualTo(404201));
    }

    @Test
    void registrationRecordsAreReadAndDeletedButNeverWrittenThroughTheApi() throws Exception {
        assertThatThrownBy(() -> admin.put(Collection.REGISTRATIONS, "dev-1", json("{}"), Optional.empty()))
                .isInstanceOfSatisfying(AdminError.class, e -> assertThat(e.httpStatus()).isEqualTo(405));
        admin.putRegistration("dev-1", json("{\"registrationId\":\"dev-1\",\"status\":\"assigned\"}"));
        String[] told = new String[1];
        admin.onRegistrationDeleted(id -> told[0] = id);
        assertThat(admin.query(Collection.REGISTRATIONS, 10, Optional.empty())).hasSize(1);
        admin.delete(Collection.REGISTRATIONS, "dev-1", Optional.empty());
        assertThat(told[0]).isEqualTo("dev-1");
        assertThat(admin.get(Collection.REGISTRATIONS, "dev-1")).isEmpty();
    }

    @Test
    void aCaIsVerifiedOnlyByACertificateWithTheCodeAsCnSignedByItsKey() throws Exception {
        TestCa ca = TestCa.root("fleet-root");
        TestCa stranger = TestCa.root("someone-else");
        ObjectNode uploaded = admin.putCertificate("fleet", ca.pem());
        assertThat(uploaded.at("/properties/isVerified").asBoolean()).isFalse();
        assertThatThrownBy(() -> admin.verifyCertificate("fleet", ca.verification("X").toString()))
                .hasMessageContaining("generateVerificationCode first");

        String code = admin.generateVerificationCode("fleet").at("/properties/verificationCode").asText();
        assertThat(code).hasSize(48);
        assertThatThrownBy(() -> admin.verifyCertificate("fleet", TestCa.pem(ca.verification("not-the-code"))))
                .hasMessageContaining("CN is 'not-the-code'").hasMessageContaining(code);
        assertThatThrownBy(() -> admin.verifyCertificate("fleet", TestCa.pem(stranger.verification(code))))
                .hasMessageContaining("not signed by the key of certificate 'fleet'");
        assertThat(admin.getCertificate("fleet").orElseThrow().at("/properties/isVerified").asBoolean()).isFalse();

        ObjectNode verified = admin.verifyCertificate("fleet", TestCa.pem(ca.verification(code)));
        assertThat(verified.at("/properties/isVerified").asBoolean()).isTrue();
        assertThat(verified.at("/properties/verificationCode").isMissingNode()).isTrue();
    }

    @Test
    void aGroupMayReferenceOnlyAVerifiedCa() throws Exception {
        TestCa ca = TestCa.root("fleet-root");
        admin.putCertificate("fleet", ca.pem());
        ObjectNode group = json("{\"attestation\":{\"type\":\"x509\",\"x509\":{\"caReferences\":{\"primary\":\"fleet\"}}}}");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENT_GROUPS, "g", group, Optional.empty()))
                .hasMessageContaining("caReferences.primary").hasMessageContaining("not verified");
        assertThatThrownBy(() -> admin.put(Collection.ENROLLMENT_GROUPS, "g",
                json("{\"attestation\":{\"type\":\"x509\",\"x509\":{\"caReferences\":{\"primary\":\"nope\"}}}}"),
                Optional.empty())).hasMessageContaining("no CA certificate named 'nope'");

        String code = admin.generateVerificationCode("fleet").at("/properties/verificationCode").asText();
        admin.verifyCertificate("fleet", TestCa.pem(ca.verification(code)));
        admin.put(Collection.ENROLLMENT_GROUPS, "g", group, Optional.empty());
        assertThat(admin.groupsOnCa(ca.der())).extracting(g -> g.get("enrollmentGroupId").asText())
                .containsExactly("g");
    }

    @Test
    void aStoreInADirectoryServesTheSameDocumentsAfterARestart() throws Exception {
        ObjectNode stored;
        try (EnrollmentStore store = EnrollmentStore.inDirectory(dir)) {
            StoreAdmin first = new StoreAdmin(store);
            stored = first.put(Collection.ENROLLMENTS, "dev-1", symmetricKeyEnrollment(), Optional.empty());
            first.putCertificate("fleet", TestCa.root("r").pem());
        }
        try (EnrollmentStore store = EnrollmentStore.inDirectory(dir)) {
            StoreAdmin second = new StoreAdmin(store);
            assertThat(second.get(Collection.ENROLLMENTS, "dev-1")).contains(stored);
            assertThat(second.getCertificate("fleet")).isPresent();
        }
    }
}
