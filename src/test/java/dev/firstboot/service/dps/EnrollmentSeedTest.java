package dev.firstboot.service.dps;

import dev.firstboot.service.dps.admin.EnrollmentAdmin.Collection;
import dev.firstboot.service.dps.store.EnrollmentStore;
import dev.firstboot.service.dps.store.StoreAdmin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnrollmentSeedTest {
    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @TempDir
    Path dir;

    private final StoreAdmin admin = new StoreAdmin(EnrollmentStore.inMemory());

    @AfterEach
    void close() {
        admin.store().close();
    }

    private Path seed(String yaml) throws Exception {
        Path f = dir.resolve("seed.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void certificatesGroupsAndEnrollmentsAreLoadedThroughTheAdmin() throws Exception {
        TestCa ca = TestCa.root("fleet-root");
        Files.writeString(dir.resolve("fleet.pem"), ca.pem());
        Path f = seed("""
                certificates:
                  - name: fleet
                    file: fleet.pem
                enrollmentGroups:
                  - enrollmentGroupId: fleet-group
                    attestation: {type: x509, x509: {caReferences: {primary: fleet}}}
                    allocationPolicy: static
                    iotHubs: [hub-a.localhost]
                enrollments:
                  - registrationId: dev-001
                    attestation:
                      type: symmetricKey
                      symmetricKey: {primaryKey: "%s"}
                    initialTwin:
                      tags: {site: lab}
                      properties: {desired: {interval: 30}}
                """.formatted(KEY));

        EnrollmentSeed.Loaded loaded = EnrollmentSeed.load(f, admin);

        assertThat(loaded).isEqualTo(new EnrollmentSeed.Loaded(1, 1, 1));
        assertThat(admin.getCertificate("fleet").orElseThrow().at("/properties/isVerified").asBoolean()).isTrue();
        assertThat(admin.groupsOnCa(ca.der())).hasSize(1);
        assertThat(admin.get(Collection.ENROLLMENTS, "dev-001").orElseThrow().at("/initialTwin/properties/desired"
                + "/interval").asInt()).isEqualTo(30);
    }

    @Test
    void aBadEntryNamesTheFileTheListTheIndexAndTheField() throws Exception {
        Path f = seed("""
                enrollments:
                  - registrationId: dev-001
                    attestation: {type: symmetricKey}
                  - registrationId: dev-002
                    attestation: {type: x509}
                """);
        assertThatThrownBy(() -> EnrollmentSeed.load(f, admin)).isInstanceOf(EnrollmentSeed.SeedException.class)
                .hasMessageStartingWith("seed " + f + ": enrollments[1] (dev-002): ")
                .hasMessageContaining("attestation.x509");
    }

    @Test
    void anEntryWithoutItsIdIsRefused() throws Exception {
        Path f = seed("enrollmentGroups:\n  - attestation: {type: symmetricKey}\n");
        assertThatThrownBy(() -> EnrollmentSeed.load(f, admin))
                .hasMessageContaining("enrollmentGroups[0]: no enrollmentGroupId");
    }

    @Test
    void anUnknownListIsRefusedRatherThanIgnored() throws Exception {
        Path f = seed("enrolments: []\n");
        assertThatThrownBy(() -> EnrollmentSeed.load(f, admin)).hasMessageContaining("unknown key 'enrolments'");
    }

    @Test
    void brokenYamlIsReportedWithItsLineAndNoContent() throws Exception {
        Path f = seed("enrollments:\n  - registrationId: dev-1\n   primaryKey: [secret\n");
        assertThatThrownBy(() -> EnrollmentSeed.load(f, admin)).hasMessageContaining("not valid YAML at line")
                .hasMessageNotContaining("secret");
    }

    @Test
    void aMissingCertificateFileIsNamed() throws Exception {
        Path f = seed("certificates:\n  - name: fleet\n    file: nowhere.pem\n");
        assertThatThrownBy(() -> EnrollmentSeed.load(f, admin)).hasMessageContaining("certificates[0] (fleet)")
                .hasMessageContaining("nowhere.pem");
    }

    @Test
    void aListThatIsNotAListIsRefused() throws Exception {
        Path f = seed("enrollments: {registrationId: dev-1}\n");
        assertThatThrownBy(() -> EnrollmentSeed.load(f, admin)).hasMessageContaining("enrollments must be a list");
    }

    @Test
    void anEmptyFileLoadsNothing() throws Exception {
        assertThat(EnrollmentSeed.load(seed(""), admin)).isEqualTo(new EnrollmentSeed.Loaded(0, 0, 0));
    }
}
