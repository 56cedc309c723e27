package dev.firstboot.device.hsm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The adapter runs in a child process: what vendor code does there never takes the harness down with it. */
class HsmAdapterHostTest {
    @TempDir
    Path dir;

    @Test
    void aGoodAdapterHandsOutItsCertificateAndTheHarnessFreesIt() throws Exception {
        TestAdapters.writeX509(dir, "hsm-device-01");
        Path lib = TestAdapters.build(dir, "good");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.X509, Duration.ofSeconds(5), dir.resolve("s"))) {
            assertThat(a.symbols()).containsEntry("hsm_client_x509_interface", true);
            assertThat(a.init()).contains(0);
            assertThat(a.interfaceFields()).contains("11111");
            HsmAdapter.Handle h = a.create();
            assertThat(h.isNull()).isFalse();
            assertThat(a.string("hsm_client_get_cert", h).orElseThrow()).startsWith("-----BEGIN CERTIFICATE-----");
            assertThat(a.string("hsm_client_get_common_name", h)).contains("hsm-device-01");
            assertThat(a.string("hsm_client_get_cert", HsmAdapter.Handle.NULL)).isEmpty();
            assertThat(a.createDestroyLoop(100)).isZero();
            a.destroy(h);
        }
    }

    @Test
    void aCrashOnANullHandleFailsThatCallWithTheSignalAndTheNextCallGetsAFreshHost() throws Exception {
        TestAdapters.writeX509(dir, "hsm-device-01");
        Path lib = TestAdapters.build(dir, "crash", "BROKEN_CRASH_ON_NULL");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.X509, Duration.ofSeconds(5), dir.resolve("s"))) {
            assertThatThrownBy(() -> a.string("hsm_client_get_cert", HsmAdapter.Handle.NULL))
                    .isInstanceOf(AdapterFailure.class)
                    .hasMessageContaining("crashed with SIGSEGV")
                    .hasMessageContaining("during hsm_client_get_cert(NULL)");
            HsmAdapter.Handle h = a.create();
            assertThat(a.string("hsm_client_get_common_name", h)).contains("hsm-device-01");
        }
    }

    @Test
    void aHangIsCutAtTheCallDeadline() throws Exception {
        TestAdapters.writeX509(dir, "hsm-device-01");
        Path lib = TestAdapters.build(dir, "hang", "BROKEN_HANG_GET_CERT");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.X509, Duration.ofSeconds(1), dir.resolve("s"))) {
            HsmAdapter.Handle h = a.create();
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> a.string("hsm_client_get_cert", h))
                    .hasMessageContaining("hsm_client_get_cert(h) did not return within 1 s");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(8));
        }
    }

    @Test
    void anExitInVendorCodeIsReportedWithItsStatusAndWhatTheAdapterPrinted() throws Exception {
        TestAdapters.writeX509(dir, "hsm-device-01");
        Path lib = TestAdapters.build(dir, "exit", "BROKEN_EXIT_GET_CERT");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.X509, Duration.ofSeconds(5), dir.resolve("s"))) {
            HsmAdapter.Handle h = a.create();
            assertThatThrownBy(() -> a.string("hsm_client_get_cert", h))
                    .hasMessageContaining("exit(3) during hsm_client_get_cert(h)")
                    .hasMessageContaining("file_adapter: giving up");
        }
    }

    @Test
    void aLibraryThatCannotBeLoadedSaysHowToBuildIt() throws Exception {
        Path bogus = dir.resolve("libnot.so");
        java.nio.file.Files.writeString(bogus, "not an ELF");
        try (HsmAdapter a = TestAdapters.open(bogus, AdapterType.X509, Duration.ofSeconds(5), dir.resolve("s"))) {
            assertThatThrownBy(a::symbols).hasMessageContaining("could not be loaded")
                    .hasMessageContaining("gcc -shared -fPIC");
        }
    }

    @Test
    void anAbortInVendorCodeIsNamedAsSuch() throws Exception {
        TestAdapters.writeX509(dir, "hsm-device-01");
        Path lib = TestAdapters.build(dir, "abort", "BROKEN_ABORT_GET_KEY");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.X509, Duration.ofSeconds(5), dir.resolve("s"))) {
            HsmAdapter.Handle h = a.create();
            assertThatThrownBy(() -> a.string("hsm_client_get_key", h))
                    .hasMessageContaining("SIGABRT").hasMessageContaining("during hsm_client_get_key(h)")
                    .hasMessageContaining("file_adapter: key store corrupt");
            // the next call gets a fresh host, and the dead host's handle is refused rather than reused
            assertThatThrownBy(() -> a.string("hsm_client_get_cert", h)).hasMessageContaining("has ended");
            assertThat(a.string("hsm_client_get_common_name", a.create())).contains("hsm-device-01");
        }
    }
}
