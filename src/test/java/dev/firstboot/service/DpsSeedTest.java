package dev.firstboot.service;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.service.dps.TestCa;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded backend's {@code seed:}: loaded at start and again after each scenario reset; bad seeds stop the rig. */
class DpsSeedTest {
    @TempDir
    Path dir;

    @Test
    void aSeededGroupTakesDevicesAndComesBackAfterAReset() throws Exception {
        TestCa ca = TestCa.root("fleet-root");
        Files.writeString(dir.resolve("fleet.pem"), ca.pem());
        Path seed = dir.resolve("seed.yaml");
        Files.writeString(seed, """
                certificates:
                  - name: fleet
                    file: fleet.pem
                enrollmentGroups:
                  - enrollmentGroupId: fleet-group
                    attestation: {type: x509, x509: {caReferences: {primary: fleet}}}
                    allocationPolicy: static
                    iotHubs: [hub-a.localhost]
                """);
        try (EmbeddedRig rig = new EmbeddedRig(new EmbeddedBackend.Settings(EmbeddedRig.ID_SCOPE, 0,
                List.of("hub-a"), Optional.of(seed), Map.of()))) {
            KeyMaterial key = ca.leaf("seeded-1");
            assertThat(Provisioning.provision(rig, key, "seeded-1").status()).isEqualTo("assigned");

            rig.backend.resetForScenario();

            assertThat(rig.backend.registration("seeded-1")).isEmpty();
            assertThat(rig.backend.enrollmentAdmin().get(EnrollmentAdmin.Collection.ENROLLMENT_GROUPS,
                    "fleet-group")).isPresent();
            assertThat(Provisioning.provision(rig, key, "seeded-1").status()).isEqualTo("assigned");
        }
    }

    @Test
    void aBadSeedStopsTheRigWithTheEntryToFix() throws Exception {
        Path seed = dir.resolve("seed.yaml");
        Files.writeString(seed, "enrollments:\n  - registrationId: dev-1\n    attestation: {type: tpm}\n");
        assertThatThrownBy(() -> new EmbeddedRig(new EmbeddedBackend.Settings(EmbeddedRig.ID_SCOPE, 0,
                List.of("hub-a"), Optional.of(seed), Map.of()))).isInstanceOf(RigException.class)
                .hasMessageContaining("enrollments[0] (dev-1)").hasMessageContaining("attestation.tpm");
    }

    @Test
    void aSeedFileThatDoesNotExistIsRefusedWhenTheRigIsRead() throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, "name: r\nbackend:\n  kind: embedded\n  seed: missing.yaml\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageContaining("backend.seed").hasMessageContaining("no such file");
    }

    @Test
    void hubLatencyMayNameOnlyTheRigsHubs() throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, "name: r\nbackend:\n  kind: embedded\n  hubs: [hub-a]\n  hub-latency:\n    hub-z: 5\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageContaining("hub-z").hasMessageContaining("hub-a");
    }
}
