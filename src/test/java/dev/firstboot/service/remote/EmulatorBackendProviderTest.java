package dev.firstboot.service.remote;

import dev.firstboot.rig.BackendProvider;
import dev.firstboot.rig.PartConfigs;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;
import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.TimelineSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code emulator} backend's rig fields: found by kind, each bad field named with what was expected, and a rig
 * whose emulator, CA file or connection string is not there stops at start with what to do, never echoing a key.
 */
class EmulatorBackendProviderTest {
    @TempDir
    Path dir;

    private BackendProvider provider() {
        return ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.kind().equals("emulator")).findFirst().orElseThrow();
    }

    private BackendProvider.Spec<dev.firstboot.rig.Backend> configure(String fields) throws Exception {
        Path f = Files.writeString(dir.resolve("r.yaml"), "name: r\nbackend:\n  kind: emulator\n" + fields);
        return provider().configure(PartConfigs.backend(f));
    }

    private RigContext context() {
        return new RigContext("r", TimelineSink.NONE, new Redactor(), dir, null);
    }

    @Test
    void badFieldsAreNamedWithWhatWasExpected() {
        assertThatThrownBy(() -> configure("  dps: http://x:1\n  ca-certificate: ca.pem\n"))
                .isInstanceOf(RigException.class).hasMessageContaining("backend.dps")
                .hasMessageContaining("https://192.168.1.10:8443");
        assertThatThrownBy(() -> configure("  dps: https://x:1/path\n  ca-certificate: ca.pem\n"))
                .hasMessageContaining("no path");
        assertThatThrownBy(() -> configure("  dps: https://x:1\n  ca-certificate: ca.pem\n"
                + "  service-connection-string-env: A\n  service-connection-string-file: b\n"))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> configure("  dps: https://x:1\n  ca-certificate: ca.pem\n  hubs: [hub-a]\n"))
                .hasMessageContaining("hub-a=192.168.1.10:8884");
        assertThatThrownBy(() -> configure("  dps: https://x:1\n  ca-certificate: ca.pem\n  retry-after: 1500ms\n"))
                .hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> configure("  dps: https://x:1\n  ca-certificate: ca.pem\n"
                + "  service-connection-string: HostName=x;SharedAccessKeyName=y;SharedAccessKey=z\n"))
                .hasMessageContaining("service-connection-string");
    }

    @Test
    void aMissingConnectionStringOrCaFileStopsTheRigAtStartWithWhatToDo() throws Exception {
        var noFile = configure("  dps: https://127.0.0.1:1\n  ca-certificate: ca.pem\n"
                + "  service-connection-string-file: nowhere.txt\n");
        assertThatThrownBy(() -> noFile.start(context())).isInstanceOf(RigException.class)
                .hasMessageContaining("nowhere.txt").hasMessageContaining("does not exist");
        var noEnv = configure("  dps: https://127.0.0.1:1\n  ca-certificate: ca.pem\n"
                + "  service-connection-string-env: FIRSTBOOT_TEST_UNSET_VARIABLE_4711\n");
        assertThatThrownBy(() -> noEnv.start(context())).isInstanceOf(RigException.class)
                .hasMessageContaining("FIRSTBOOT_TEST_UNSET_VARIABLE_4711 is not set");
        Files.writeString(dir.resolve("cs.txt"), "HostName=x;SharedAccessKeyName=owner;SharedAccessKey="
                + "c2VjcmV0LWtleS1mb3ItdGhlLWhhcm5lc3MtdGVzdA==");
        var noCa = configure("  dps: https://127.0.0.1:1\n  ca-certificate: ca.pem\n"
                + "  service-connection-string-file: cs.txt\n");
        assertThatThrownBy(() -> noCa.start(context())).isInstanceOf(RigException.class)
                .hasMessageContaining("ca-certificate").hasMessageContaining("does not exist")
                .hasMessageNotContaining("c2VjcmV0");
    }

    @Test
    void anEmulatorThatDoesNotAnswerStopsTheRigWithoutPrintingTheKey() throws Exception {
        Files.writeString(dir.resolve("cs.txt"), "HostName=x;SharedAccessKeyName=owner;SharedAccessKey="
                + "c2VjcmV0LWtleS1mb3ItdGhlLWhhcm5lc3MtdGVzdA==");
        var pki = dev.firstboot.pki.TestPki.create();
        dev.firstboot.pki.CaFiles.writeCertificate(pki, dir.resolve("ca.pem"));
        try (var closed = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = closed.getLocalPort();
            closed.close();
            var spec = configure("  dps: https://127.0.0.1:" + port + "\n  ca-certificate: ca.pem\n"
                    + "  service-connection-string-file: cs.txt\n");
            assertThatThrownBy(() -> spec.start(context())).isInstanceOf(RigException.class)
                    .hasMessageContaining("did not answer GET /firstboot/info")
                    .hasMessageContaining("is firstboot emulator running")
                    .hasMessageNotContaining("c2VjcmV0");
        }
        assertThat(provider().description()).contains("running 'firstboot emulator'");
    }
}
