package dev.firstboot.rig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Capability tags come from the part kinds on the class path: a plug-in brings its own, and core lists none. */
class PluginCapabilitiesTest {
    @TempDir
    Path dir;

    /** A device kind from outside the project, with a tag no shipped part knows. */
    public static final class LaserDeviceProvider implements DeviceProvider {
        @Override
        public String kind() {
            return "laser-bench";
        }

        @Override
        public Set<String> capabilityTags() {
            return Set.of("laser", "laser-calibrated");
        }

        @Override
        public String description() {
            return "a test plug-in";
        }

        @Override
        public Spec<Device> configure(PartConfig config) throws RigException {
            boolean lie = config.string("gives", "laser").equals("undeclared");
            return new Spec<>() {
                @Override
                public Set<String> capabilities() {
                    return lie ? Set.of("laser", "sonar") : Set.of("laser");
                }

                @Override
                public Map<String, String> unavailable() {
                    return Map.of("laser-calibrated", "no calibration file in this test; run the calibration first");
                }

                @Override
                public Device start(RigContext context) {
                    throw new UnsupportedOperationException("never started in this test");
                }
            };
        }
    }

    private <T> T withPlugin(Callable<T> body) throws Exception {
        Path services = dir.resolve("plugin/META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(DeviceProvider.class.getName()), LaserDeviceProvider.class.getName() + "\n");
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader plugin = new URLClassLoader(new URL[] {dir.resolve("plugin").toUri().toURL()},
                getClass().getClassLoader())) {
            thread.setContextClassLoader(plugin);
            return body.call();
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Test
    void theShippedPartKindsDeclareEveryCapabilityTheFeaturesUse() {
        assertThat(Capabilities.known()).contains("x509", "dice", "devkit", "serial", "console", "tpm",
                "symmetric-key", "hsm", "mqtt", "faults", "containers", "physical", "controls", "hsm-x509", "hsm-tpm",
                "hsm-symmetric-key");
        assertThat(Capabilities.known()).doesNotContain("laser");
        assertThat(Capabilities.required(List.of("@laser", "@x509", "@smoke"))).as("without the plug-in, @laser is a label")
                .containsExactly("x509");
    }

    @Test
    void aPluginsTagIsACapabilityWithoutTouchingCoreAndAnUnknownTagStaysALabel() throws Exception {
        Set<String> known = withPlugin(Capabilities::known);
        assertThat(known).contains("laser", "laser-calibrated", "x509");
        assertThat(withPlugin(() -> Capabilities.required(List.of("@laser", "@smoke", "x509"))))
                .containsExactly("laser", "x509");
    }

    @Test
    void aPluginPartGivesItsTagsToTheRigAndItsUnavailableReasonsReachTheNotApplicableMessage() throws Exception {
        Path f = dir.resolve("laser.yaml");
        Files.writeString(f, "name: laser\nbackend:\n  kind: embedded\ndevice:\n  kind: laser-bench\n"
                + "capabilities: [laser-calibrated]\n");
        RigSpec spec = withPlugin(() -> RigFiles.read(f));
        assertThat(spec.capabilities()).contains("laser", "laser-calibrated", "x509");

        Path g = dir.resolve("uncalibrated.yaml");
        Files.writeString(g, "name: uncalibrated\nbackend:\n  kind: embedded\ndevice:\n  kind: laser-bench\n");
        RigSpec bare = withPlugin(() -> RigFiles.read(g));
        Set<String> missing = withPlugin(() -> Capabilities.required(List.of("@laser-calibrated")));
        assertThat(Capabilities.notApplicableReason(missing, bare.capabilities(), bare.unavailable(), bare.name()))
                .startsWith("needs @laser-calibrated, which rig uncalibrated does not have (it has ")
                .endsWith("; @laser-calibrated is unavailable here: no calibration file in this test; run the "
                        + "calibration first");
    }

    @Test
    void aPartThatGivesATagItsKindDoesNotDeclareIsRefused() throws Exception {
        Path f = dir.resolve("liar.yaml");
        Files.writeString(f, "name: liar\nbackend:\n  kind: embedded\ndevice:\n  kind: laser-bench\n  gives: undeclared\n");
        assertThatThrownBy(() -> withPlugin(() -> RigFiles.read(f)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("part kind 'laser-bench'")
                .hasMessageContaining("gives @sonar but does not declare it in capabilityTags()");
    }

    @Test
    void aRigFileMayDeclareOnlyATagSomePartKindKnows() throws Exception {
        Path f = dir.resolve("typo.yaml");
        Files.writeString(f, "name: typo\nbackend:\n  kind: embedded\ndevice:\n  kind: laser-bench\n"
                + "capabilities: [lazer]\n");
        assertThatThrownBy(() -> withPlugin(() -> RigFiles.read(f))).isInstanceOf(RigException.class)
                .hasMessageContaining("unknown capability 'lazer'; known: @console")
                .hasMessageContaining("@laser @laser-calibrated");
    }
}
