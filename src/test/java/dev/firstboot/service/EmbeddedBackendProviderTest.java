package dev.firstboot.service;

import dev.firstboot.rig.BackendProvider;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded backend is found by kind, and a wrong field in its rig section names the file, line and field. */
class EmbeddedBackendProviderTest {
    @TempDir
    Path dir;

    private Path rig(String backend) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, "name: r\nbackend:\n  kind: embedded\n" + backend);
        return f;
    }

    @Test
    void theEmbeddedKindIsFoundThroughTheServiceLoader() {
        assertThat(ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get))
                .anySatisfy(p -> {
                    assertThat(p.kind()).isEqualTo("embedded");
                    assertThat(p.description()).contains("DPS and IoT Hub emulators");
                });
    }

    @Test
    void aValidBackendSectionPassesOnToTheNextPart() throws Exception {
        // The backend is read first; a rig with no device fails there, after the backend was accepted.
        Path f = rig("  id-scope: 0ne00AAAA01\n  retry-after: 0s\n  hubs: [hub-a, hub-b]\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageContaining("device").hasMessageNotContaining("backend.");
    }

    @Test
    void aRetryAfterThatIsNotWholeSecondsIsRefused() throws Exception {
        Path f = rig("  retry-after: 1500ms\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":4:").hasMessageContaining("backend.retry-after: ")
                .hasMessageContaining("whole seconds");
    }

    @Test
    void aRetryAfterOverFiveMinutesIsRefused() throws Exception {
        assertThatThrownBy(() -> RigFiles.read(rig("  retry-after: 6m\n"))).isInstanceOf(RigException.class)
                .hasMessageContaining("backend.retry-after: ");
    }

    @Test
    void aBadHubNameIsRefused() throws Exception {
        assertThatThrownBy(() -> RigFiles.read(rig("  hubs: [hub-a, Hub_B]\n"))).isInstanceOf(RigException.class)
                .hasMessageContaining("backend.hubs: ").hasMessageContaining("Hub_B");
        assertThatThrownBy(() -> RigFiles.read(rig("  hubs: [hub-a, hub-a]\n"))).isInstanceOf(RigException.class)
                .hasMessageContaining("listed twice");
    }

    @Test
    void anUnknownFieldIsRefusedWithTheKnownOnes() throws Exception {
        assertThatThrownBy(() -> RigFiles.read(rig("  retry_after: 1s\n"))).isInstanceOf(RigException.class)
                .hasMessageContaining("backend.retry_after: unknown field; known fields here are: kind, id-scope, "
                        + "retry-after, hubs");
    }
}
