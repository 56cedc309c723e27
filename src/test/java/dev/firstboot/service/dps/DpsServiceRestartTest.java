package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.dps.store.EnrollmentStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A DPS on a data directory loses nothing a restart should keep: enrollments and registration records. */
class DpsServiceRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCOPE = "0ne00FB0001";

    @TempDir
    Path dir;

    private final List<String> assigned = new ArrayList<>();

    private DpsService open() {
        return new DpsService(SCOPE, 0, (hub, deviceId, credential) -> {
            assigned.add(hub + "/" + deviceId);
            return hub;
        }, (origin, kind, subject, attributes) -> { }, EnrollmentStore.inDirectory(dir));
    }

    private static JsonNode provision(DpsService dps, KeyMaterial key, String id) throws Exception {
        List<byte[]> chain = List.of(Certificates.der(key.leaf()));
        DpsReply accepted = dps.handle(new DeviceRequest(DeviceRequest.Operation.REGISTER, SCOPE, id, Optional.empty(),
                Optional.of("2021-06-01"), chain, ("{\"registrationId\":\"" + id + "\"}")
                .getBytes(StandardCharsets.UTF_8), Optional.empty()));
        assertThat(accepted.httpStatus()).isEqualTo(202);
        DpsReply done = dps.handle(new DeviceRequest(DeviceRequest.Operation.STATUS, SCOPE, id,
                accepted.operationId(), Optional.of("2021-06-01"), chain, new byte[0], Optional.empty()));
        assertThat(done.httpStatus()).isEqualTo(200);
        return JSON.readTree(done.json());
    }

    @Test
    void enrollmentsAndRegistrationRecordsSurviveARestart() throws Exception {
        KeyMaterial key = TestPki.selfSigned("dev-restart");
        try (DpsService dps = open()) {
            dps.enrollX509Individual("dev-restart", Certificates.der(key.leaf()), Optional.empty(), "hub-a", true);
            assertThat(provision(dps, key, "dev-restart").at("/registrationState/substatus").asText())
                    .isEqualTo("initialAssignment");
        }
        try (DpsService dps = open()) {
            Backend.Registration record = dps.registration("dev-restart").orElseThrow();
            assertThat(record.status()).isEqualTo("assigned");
            assertThat(record.assignedHubHost()).contains("hub-a");
            assertThat(dps.admin().get(EnrollmentAdmin.Collection.ENROLLMENTS, "dev-restart")).isPresent();

            JsonNode again = provision(dps, key, "dev-restart");

            assertThat(again.get("status").asText()).isEqualTo("assigned");
            assertThat(again.at("/registrationState/substatus").asText()).isEqualTo("deviceDataMigrated");
            assertThat(again.at("/registrationState/createdDateTimeUtc").asText())
                    .isEqualTo(dps.admin().get(EnrollmentAdmin.Collection.REGISTRATIONS, "dev-restart").orElseThrow()
                            .get("createdDateTimeUtc").asText());
        }
        assertThat(assigned).containsExactly("hub-a/dev-restart", "hub-a/dev-restart");
    }
}
