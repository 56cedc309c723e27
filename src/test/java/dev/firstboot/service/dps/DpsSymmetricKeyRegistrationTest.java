package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.symkey.GroupKeys;
import dev.firstboot.identity.tpm.SasTokens;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.hub.DeviceCredential;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Symmetric-key registration rules: a device may sign with the enrollment's (or group's) secondary key, and the hub
 * then takes that key; DPS takes registration ids case-insensitively (dps.md §4).
 */
class DpsSymmetricKeyRegistrationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCOPE = "0ne00FB0001";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<DeviceCredential> credentials = new ArrayList<>();
    private final DpsService dps = new DpsService(SCOPE, 0, (hub, deviceId, credential) -> {
        credentials.add(credential);
        return hub;
    }, (origin, kind, subject, attributes) -> { });

    @AfterEach
    void close() {
        dps.close();
    }

    private static byte[] key() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return k;
    }

    private ObjectNode doc(byte[] primary, byte[] secondary) {
        ObjectNode doc = JSON.createObjectNode();
        doc.putObject("attestation").put("type", "symmetricKey").putObject("symmetricKey")
                .put("primaryKey", Base64.getEncoder().encodeToString(primary))
                .put("secondaryKey", Base64.getEncoder().encodeToString(secondary));
        doc.putArray("iotHubs").add("hub-a");
        return doc;
    }

    private JsonNode provision(String id, byte[] signingKey) throws Exception {
        String sas = SasTokens.build(SCOPE + "/registrations/" + id, SasTokens.ScopeEncoding.ENCODED, signingKey,
                Instant.now().plusSeconds(600), Optional.of("registration"));
        DpsReply accepted = dps.handle(new DeviceRequest(DeviceRequest.Operation.REGISTER, SCOPE, id, Optional.empty(),
                Optional.of("2021-06-01"), List.of(), ("{\"registrationId\":\"" + id + "\"}")
                .getBytes(StandardCharsets.UTF_8), Optional.of(sas)));
        if (accepted.httpStatus() != 202) {
            return JSON.readTree(accepted.json());
        }
        DpsReply done = dps.handle(new DeviceRequest(DeviceRequest.Operation.STATUS, SCOPE, id, accepted.operationId(),
                Optional.of("2021-06-01"), List.of(), new byte[0], Optional.of(sas)));
        return JSON.readTree(done.json());
    }

    @Test
    void anIndividualDeviceSigningWithItsSecondaryKeyIsAssignedWithThatKey() throws Exception {
        byte[] primary = key();
        byte[] secondary = key();
        dps.admin().put(EnrollmentAdmin.Collection.ENROLLMENTS, "sk-2nd", doc(primary, secondary), Optional.empty());

        assertThat(provision("sk-2nd", secondary).get("status").asText()).isEqualTo("assigned");
        assertThat(credentials).hasSize(1);
        assertThat(((DeviceCredential.SymmetricKey) credentials.get(0)).key()).isEqualTo(secondary);
        assertThat(provision("sk-2nd", key()).get("errorCode").asInt()).isEqualTo(401002);
    }

    @Test
    void aGroupMemberSigningWithTheKeyDerivedFromTheSecondaryGroupKeyJoinsTheGroup() throws Exception {
        byte[] primary = key();
        byte[] secondary = key();
        dps.admin().put(EnrollmentAdmin.Collection.ENROLLMENT_GROUPS, "fleet", doc(primary, secondary),
                Optional.empty());

        JsonNode done = provision("member-1", GroupKeys.derive(secondary, "member-1"));

        assertThat(done.get("status").asText()).isEqualTo("assigned");
        assertThat(done.at("/registrationState/symmetricKey/enrollmentGroupId").asText()).isEqualTo("fleet");
        assertThat(credentials).hasSize(1);
        assertThat(((DeviceCredential.SymmetricKey) credentials.get(0)).key())
                .isEqualTo(GroupKeys.derive(secondary, "member-1"));
    }

    @Test
    void aRegistrationIdIsTheSameWhateverItsCase() throws Exception {
        byte[] primary = key();
        dps.admin().put(EnrollmentAdmin.Collection.ENROLLMENTS, "Sensor-A", doc(primary, key()), Optional.empty());

        JsonNode done = provision("sensor-a", primary);

        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("assigned");
        assertThat(dps.admin().get(EnrollmentAdmin.Collection.ENROLLMENTS, "SENSOR-a")).isPresent();
        assertThat(dps.admin().get(EnrollmentAdmin.Collection.REGISTRATIONS, "Sensor-A")).isPresent();
    }
}
