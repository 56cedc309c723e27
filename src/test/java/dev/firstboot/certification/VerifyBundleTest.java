package dev.firstboot.certification;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.suite.RunSummary;
import dev.firstboot.suite.ScenarioResult;
import dev.firstboot.suite.ScenarioStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A signed statement verifies offline, and any edit to it or to its signature is caught. */
class VerifyBundleTest {
    @TempDir
    Path dir;

    private final KeyMaterial lab = TestPki.selfSigned("hsm-lab");

    private Path bundle(ScenarioStatus status) throws Exception {
        RunSummary summary = new RunSummary("run-1", "dev", "hsm-adapter", Map.of("device", "hsm-adapter"),
                Instant.now(), Duration.ofSeconds(3), false, List.of(new ScenarioResult("X.509 HSM adapter contract",
                "The private key belongs to the leaf certificate", "/x/features/hsm/contract-x509.feature:10", status,
                Instant.now(), Duration.ofMillis(120), status == ScenarioStatus.FAILED ? "mismatch" : "", "",
                List.of())));
        ObjectNode statement = CertificationBundle.statement(summary, new CertificationBundle.Adapter("libx.so",
                "ab".repeat(32), "x509", Optional.empty()), ShippedFeatures.judge(Path.of("features/hsm")),
                "features/hsm", Instant.now());
        Path b = dir.resolve("certification");
        CertificationBundle.write(b, statement, new SigningIdentity(lab.key(), lab.leaf()));
        return b;
    }

    @Test
    void anUntouchedBundleVerifiesWithItsSignerAndResult() throws Exception {
        Path b = bundle(ScenarioStatus.FAILED);
        CertificationBundle.Verification v = CertificationBundle.verify(b, Optional.of(lab.leaf()));
        assertThat(v).isInstanceOf(CertificationBundle.Verified.class);
        CertificationBundle.Verified ok = (CertificationBundle.Verified) v;
        assertThat(ok.result()).isEqualTo("FAILED");
        assertThat(ok.certifying()).isTrue();
        assertThat(ok.signer()).contains("hsm-lab");
    }

    @Test
    void theCommandWarnsThatTheSignerWasNotCheckedUnlessTrustIsGiven() throws Exception {
        Path b = bundle(ScenarioStatus.PASSED);
        Path cert = dir.resolve("lab.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\n" + java.util.Base64.getMimeEncoder(64, new byte[]{'\n'})
                .encodeToString(lab.leaf().getEncoded()) + "\n-----END CERTIFICATE-----\n");
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cl = dev.firstboot.cli.Main.commandLine();
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.execute("verify-bundle", b.toString());
        assertThat(out.toString()).contains("Signature: good, signed by").contains("WARNING: the signer was not checked")
                .contains("--trust LAB-CERT.pem");
        out.getBuffer().setLength(0);
        cl.execute("verify-bundle", b.toString(), "--trust", cert.toString());
        assertThat(out.toString()).contains("the certificate given with --trust").doesNotContain("WARNING");
    }

    @Test
    void anEditedResultIsRejectedAndTheMessageSaysWhatNoLongerAddsUp() throws Exception {
        Path b = bundle(ScenarioStatus.FAILED);
        Path s = b.resolve(CertificationBundle.STATEMENT);
        Files.writeString(s, Files.readString(s).replace("\"result\" : \"FAILED\"", "\"result\" : \"PASSED\""));
        CertificationBundle.Verification v = CertificationBundle.verify(b, Optional.empty());
        assertThat(v).isInstanceOf(CertificationBundle.Rejected.class);
        assertThat(((CertificationBundle.Rejected) v).reason()).contains("was changed after it was signed")
                .contains("result says PASSED but a scenario failed");
    }

    @Test
    void aSingleChangedByteInTheStatementIsRejected() throws Exception {
        Path b = bundle(ScenarioStatus.PASSED);
        Path s = b.resolve(CertificationBundle.STATEMENT);
        Files.writeString(s, Files.readString(s).replace("libx.so", "liby.so"));
        assertThat(CertificationBundle.verify(b, Optional.empty())).isInstanceOf(CertificationBundle.Rejected.class);
    }

    @Test
    void anAlteredSignatureIsRejected() throws Exception {
        Path b = bundle(ScenarioStatus.PASSED);
        Path p7s = b.resolve(CertificationBundle.SIGNATURE);
        byte[] bytes = Files.readAllBytes(p7s);
        bytes[bytes.length - 5] ^= 0x01;
        Files.write(p7s, bytes);
        assertThat(CertificationBundle.verify(b, Optional.empty())).isInstanceOf(CertificationBundle.Rejected.class);
    }

    @Test
    void aBundleSignedByAnotherLabIsRejectedWhenALabIsTrusted() throws Exception {
        Path b = bundle(ScenarioStatus.PASSED);
        KeyMaterial other = TestPki.selfSigned("other-lab");
        CertificationBundle.Verification v = CertificationBundle.verify(b, Optional.of(other.leaf()));
        assertThat(((CertificationBundle.Rejected) v).reason()).contains("not by the trusted lab certificate");
    }

    @Test
    void aMissingSignatureFileIsNamed() throws Exception {
        Path b = bundle(ScenarioStatus.PASSED);
        Files.delete(b.resolve(CertificationBundle.SIGNATURE));
        CertificationBundle.Verification v = CertificationBundle.verify(b, Optional.empty());
        assertThat(((CertificationBundle.Rejected) v).reason()).contains("missing statement.json.p7s");
    }

    @Test
    void withoutASigningKeyTheErrorSaysWhatToPass() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SigningIdentity.load(Optional.empty(),
                        Optional.empty(), Optional.empty()))
                .hasMessageContaining("--signing-key KEY.pem and --signing-cert CERT.pem");
    }
}
