package dev.firstboot.device.tpm;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.rig.RigFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Without swtpm the TPM rig gives no @tpm, and says why, so TPM scenarios are not applicable rather than failed. */
class TpmSimulatorDeviceProviderTest {
    @TempDir
    Path dir;

    @Test
    void withoutSwtpmTheTpmCapabilityIsUnavailableWithWhatToInstall() throws Exception {
        Path rig = Files.writeString(dir.resolve("t.yaml"), "backend: {kind: embedded}\ndevice: {kind: tpm-simulator}\n");
        var spec = RigFiles.read(rig);
        var device = new TpmSimulatorDeviceProvider(() -> false);
        var config = dev.firstboot.rig.PartConfigs.device(rig);
        var part = device.configure(config);
        assertThat(part.capabilities()).doesNotContain("tpm");
        assertThat(part.unavailable()).containsKey("tpm");
        String reason = Capabilities.notApplicableReason(Set.of("tpm"), spec.capabilities(), part.unavailable(), "tpm-sim");
        assertThat(reason).contains("needs @tpm").contains("swtpm is not installed").contains("apt-get install swtpm");
    }

    @Test
    void withSwtpmTheTpmCapabilityIsThere() throws Exception {
        Path rig = Files.writeString(dir.resolve("t.yaml"), "backend: {kind: embedded}\ndevice: {kind: tpm-simulator}\n");
        var part = new TpmSimulatorDeviceProvider(() -> true).configure(dev.firstboot.rig.PartConfigs.device(rig));
        assertThat(part.capabilities()).contains("tpm");
        assertThat(part.unavailable()).isEqualTo(Map.of());
    }
}
