package dev.firstboot.suite;

import dev.firstboot.secret.Redactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The end-of-run scan finds a secret in part too, and a file it cannot read fails the run rather than passing. */
class SecretScanTest {
    private static final String UDS = "5f1d3c2b4a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0aa";

    @TempDir
    Path run;

    private Redactor redactor() {
        Redactor r = new Redactor();
        r.register(UDS);
        return r;
    }

    @Test
    void aCleanRunFolderHasNoProblem() throws Exception {
        Files.writeString(run.resolve("summary.json"), "{\"message\": \"uds " + Redactor.MASK + "\"}");
        SecretScan scan = SecretScan.of(run, redactor());
        assertThat(scan.problem()).isEmpty();
        assertThat(scan.secretsChecked()).isPositive();
    }

    @Test
    void aReportHoldingPartOfASecretIsALeak() throws Exception {
        Path log = Files.createDirectories(run.resolve("allure-results")).resolve("console.txt");
        Files.writeString(log, "[   0.512 s] UDS starts " + UDS.substring(0, 32) + "\n");
        SecretScan scan = SecretScan.of(run, redactor());
        assertThat(scan.leaking()).containsExactly(log);
        assertThat(scan.problem()).hasValueSatisfying(p -> assertThat(p)
                .startsWith("BUG: a secret reached these report files despite masking: [" + log + "]")
                .doesNotContain(UDS.substring(0, 16)));
    }

    @Test
    void aFileThatCannotBeReadFailsTheScanAndIsNamed() throws Exception {
        Files.writeString(run.resolve("junit.xml"), "<testsuites/>");
        // A report file gone from under its name (as root, permissions cannot make a file unreadable).
        Path gone = Files.createSymbolicLink(run.resolve("summary.json"), run.resolve("deleted-summary.json"));
        SecretScan scan = SecretScan.of(run, redactor());
        assertThat(scan.leaking()).isEmpty();
        assertThat(scan.unreadable()).singleElement().satisfies(u -> assertThat(u).startsWith(gone + " (NoSuchFileException"));
        assertThat(scan.problem()).hasValueSatisfying(p -> assertThat(p)
                .contains("the secret scan could not read " + gone)
                .contains("so the reports cannot be shown to hold no secret"));
    }
}
