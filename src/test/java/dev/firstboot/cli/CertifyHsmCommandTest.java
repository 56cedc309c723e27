package dev.firstboot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.device.hsm.TestAdapters;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** certify-hsm runs features/hsm/ against real adapters built with gcc, in a child process, and signs the result. */
class CertifyHsmCommandTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err, Path bundle, JsonNode statement) {
        JsonNode scenario(String nameStart) {
            for (JsonNode s : statement.path("scenarios")) {
                if (s.path("scenario").asText().startsWith(nameStart)) {
                    return s;
                }
            }
            throw new AssertionError("no scenario \"" + nameStart + "\" in " + statement.path("scenarios"));
        }

        List<String> failed() {
            List<String> out = new ArrayList<>();
            statement.path("scenarios").forEach(s -> {
                if (s.path("status").asText().equals("FAILED")) {
                    out.add(s.path("scenario").asText());
                }
            });
            return out;
        }
    }

    static Run certify(Path reports, String... args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("certify-hsm", "--report", reports.toString()));
        all.addAll(List.of(args));
        int exit = cl.execute(all.toArray(String[]::new));
        Path bundle = null;
        JsonNode statement = null;
        if (Files.isDirectory(reports)) {
            try (Stream<Path> s = Files.list(reports)) {
                Path run = s.filter(Files::isDirectory).findFirst().orElse(null);
                if (run != null && Files.exists(run.resolve("certification/statement.json"))) {
                    bundle = run.resolve("certification");
                    statement = new ObjectMapper().readTree(bundle.resolve("statement.json").toFile());
                }
            }
        }
        return new Run(exit, out.toString(), err.toString(), bundle, statement);
    }

    Path[] lab() throws Exception {
        KeyMaterial lab = TestPki.selfSigned("hsm-lab");
        Path key = dir.resolve("lab-key.pem");
        Path cert = dir.resolve("lab-cert.pem");
        Files.writeString(key, pem("PRIVATE KEY", lab.key().getEncoded()));
        Files.writeString(cert, pem("CERTIFICATE", lab.leaf().getEncoded()));
        return new Path[]{key, cert};
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + type
                + "-----\n";
    }

    Run certifyX509(String name, String... broken) throws Exception {
        Path adapterDir = Files.createDirectories(dir.resolve(name));
        TestAdapters.writeX509(adapterDir, "hsm-x509-device-01");
        Path lib = TestAdapters.build(adapterDir, name, broken);
        Path[] lab = lab();
        return certify(dir.resolve("reports-" + name), "--lib", lib.toString(), "--type", "x509", "--signing-key",
                lab[0].toString(), "--signing-cert", lab[1].toString(), "--call-deadline", "2");
    }

    @Test
    void aGoodX509AdapterPassesEveryApplicableScenarioAndGetsAVerifiableCertifyingBundle() throws Exception {
        Run run = certifyX509("good");
        assertThat(run.failed()).as(run.out() + run.err()).isEmpty();
        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.statement().path("certifying").asBoolean()).isTrue();
        assertThat(run.statement().path("result").asText()).isEqualTo("PASSED");
        assertThat(run.statement().path("counts").path("passed").asLong()).isEqualTo(9);
        assertThat(run.scenario("The adapter's certificate provisions the device").path("status").asText())
                .isEqualTo("PASSED");
        assertThat(run.out()).contains("Certifying run").doesNotContain("BUG: a secret");
        String key = Files.readString(dir.resolve("good/key.pem")).lines().filter(l -> !l.startsWith("-----"))
                .findFirst().orElseThrow();
        try (Stream<Path> files = Files.walk(run.bundle().getParent())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString())
                        .doesNotContain(key);
            }
        }

        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute("verify-bundle", run.bundle().toString())).isZero();
        assertThat(out.toString()).contains("Signature: good").contains("Certifying: yes")
                .contains("WARNING: the signer was not checked");
    }

    @Test
    void anyEditToTheStatementIsDetectedByVerifyBundle() throws Exception {
        Run run = certifyX509("edited", "BROKEN_WRONG_CN");
        Path statement = run.bundle().resolve("statement.json");
        String text = Files.readString(statement);
        Files.writeString(statement, text.replace("\"FAILED\"", "\"PASSED\""));
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        assertThat(cl.execute("verify-bundle", run.bundle().toString())).isEqualTo(VerifyBundleCommand.REJECTED);
        assertThat(err.toString()).contains("statement.json was changed after it was signed");
    }

    @Test
    void anAdapterWithTheWrongCommonNameFailsTheCnScenarioAndTheBootWhileTheRestPass() throws Exception {
        Run run = certifyX509("wrongcn", "BROKEN_WRONG_CN");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.scenario("The common name is the leaf").path("message").asText())
                .contains("hsm_client_get_common_name returned \"hsm-x509-device-01-other\"")
                .contains("subject CN is \"hsm-x509-device-01\"");
        assertThat(run.failed()).containsExactlyInAnyOrder("The common name is the leaf certificate's CN and a valid registration id",
                "The adapter's certificate provisions the device and connects it to its hub");
    }

    @Test
    void anAdapterWhoseKeyIsNotTheLeafsFailsTheKeyScenario() throws Exception {
        Run run = certifyX509("wrongkey", "BROKEN_WRONG_KEY");
        assertThat(run.scenario("The private key belongs").path("message").asText())
                .contains("does not match the public key of the leaf certificate");
        assertThat(run.failed()).contains("The private key belongs to the leaf certificate");
    }

    @Test
    void aLeakingAdapterFailsTheCreateDestroyLoop() throws Exception {
        Run run = certifyX509("leak", "BROKEN_LEAK");
        assertThat(run.failed()).containsExactly("Creating and destroying handles does not leak memory");
        assertThat(run.scenario("Creating and destroying").path("message").asText())
                .contains("resident memory grew by").contains("hsm_client_x509_destroy does not free");
    }

    @Test
    void anAdapterThatCrashesOnANullHandleFailsThatScenarioWithTheSignalAndTheRunCarriesOn() throws Exception {
        Run run = certifyX509("crash", "BROKEN_CRASH_ON_NULL");
        assertThat(run.failed()).containsExactly("Every function refuses a NULL handle");
        assertThat(run.scenario("Every function refuses a NULL handle").path("message").asText())
                .contains("the adapter crashed with SIGSEGV").contains("during hsm_client_get_cert(NULL)");
        assertThat(run.statement().path("counts").path("passed").asLong()).isEqualTo(8);
    }

    @Test
    void anAdapterThatHangsInGetCertIsCutAtTheDeadlineAndTheRunCarriesOn() throws Exception {
        Run run = certifyX509("hang", "BROKEN_HANG_GET_CERT");
        assertThat(run.scenario("The certificate is PEM").path("message").asText())
                .contains("hsm_client_get_cert(h) did not return within 2 s");
        assertThat(run.scenario("Every function refuses a NULL handle").path("status").asText()).isEqualTo("PASSED");
    }

    @Test
    void aGoodSymmetricKeyAdapterPassesAndBootsWithItsKey() throws Exception {
        Path adapterDir = Files.createDirectories(dir.resolve("sym"));
        TestAdapters.writeSymmetricKey(adapterDir, "hsm-symkey-device-01");
        Path lib = TestAdapters.build(adapterDir, "sym");
        Path[] lab = lab();
        Run run = certify(dir.resolve("reports-sym"), "--lib", lib.toString(), "--type", "symmetric-key",
                "--signing-key", lab[0].toString(), "--signing-cert", lab[1].toString(),
                "--registration-id", "hsm-symkey-device-01");
        assertThat(run.failed()).as(run.out()).isEmpty();
        assertThat(run.exit()).isZero();
        assertThat(run.scenario("The adapter's key provisions the device").path("status").asText()).isEqualTo("PASSED");
    }

    @Test
    void withoutTheLabsSigningKeyNothingRunsAndTheErrorSaysWhatToPass() throws Exception {
        Path adapterDir = Files.createDirectories(dir.resolve("nokey"));
        Path lib = TestAdapters.build(adapterDir, "nokey");
        Run run = certify(dir.resolve("reports-nokey"), "--lib", lib.toString(), "--type", "x509");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--signing-key KEY.pem and --signing-cert CERT.pem");
        assertThat(run.statement()).isNull();
    }

    @Test
    void aTpmAdapterThatSegfaultsInSignFailsTheSigningScenarioWithTheSignalWhileItsKeysPass() throws Exception {
        Path adapterDir = Files.createDirectories(dir.resolve("tpm"));
        TestAdapters.writeTpmKeys(adapterDir);
        Path lib = TestAdapters.build(adapterDir, "tpmsegv", "BROKEN_SEGV_SIGN");
        Path[] lab = lab();
        Run run = certify(dir.resolve("reports-tpm"), "--lib", lib.toString(), "--type", "tpm",
                "--signing-key", lab[0].toString(), "--signing-cert", lab[1].toString(), "--call-deadline", "3");
        assertThat(run.scenario("The endorsement and storage root keys").path("status").asText()).isEqualTo("PASSED");
        assertThat(run.scenario("The registration id derived").path("status").asText()).isEqualTo("PASSED");
        assertThat(run.scenario("Activation refuses an empty key").path("status").asText()).isEqualTo("PASSED");
        assertThat(run.scenario("Signing fails until").path("message").asText())
                .contains("the adapter crashed with SIGSEGV").contains("during hsm_client_sign_with_identity(h, ");
        // the stub holds no TPM: it cannot activate DPS's key, and the kit says so
        assertThat(run.scenario("The adapter activates DPS's identity key").path("message").asText())
                .contains("hsm_client_activate_identity_key returned").contains("expected 0");
    }

    @Test
    void aRunWithFeaturesOtherThanTheShippedOnesIsMarkedNonCertifying() throws Exception {
        Path features = Files.createDirectories(dir.resolve("my-features"));
        String lifecycle = Files.readString(Path.of("features/hsm/contract-lifecycle.feature"));
        Files.writeString(features.resolve("contract-lifecycle.feature"),
                lifecycle.replace("at most 4096 KiB", "at most 999999 KiB"));
        Path adapterDir = Files.createDirectories(dir.resolve("mod"));
        TestAdapters.writeX509(adapterDir, "hsm-x509-device-01");
        Path lib = TestAdapters.build(adapterDir, "mod");
        Path[] lab = lab();
        Run run = certify(dir.resolve("reports-mod"), "--lib", lib.toString(), "--type", "x509",
                "--signing-key", lab[0].toString(), "--signing-cert", lab[1].toString(),
                "--features", features.toString());
        assertThat(run.statement().path("certifying").asBoolean()).isFalse();
        assertThat(run.statement().path("nonCertifyingReasons").toString())
                .contains("feature contract-lifecycle.feature differs from the one the harness ships")
                .contains("shipped feature contract-x509.feature was not run");
        assertThat(run.out()).contains("NON-CERTIFYING run:");
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        assertThat(cl.execute("verify-bundle", run.bundle().toString())).isEqualTo(1);
        assertThat(out.toString()).contains("Certifying: NO");
    }

    @Test
    void theTpmReferenceAdapterOnSwtpmPassesTheContractAndBootsThroughDpsChallenge() throws Exception {
        dev.firstboot.Required.tpm2Tss();
        Path adapterDir = Files.createDirectories(dir.resolve("tss"));
        try (dev.firstboot.device.tpm.Swtpm swtpm = dev.firstboot.device.tpm.Swtpm.start(adapterDir.resolve("swtpm"),
                java.time.Duration.ofSeconds(20))) {
            Path lib = TestAdapters.buildTpm(adapterDir, "swtpm:host=" + swtpm.host() + ",port=" + swtpm.port());
            Path[] lab = lab();
            Run run = certify(dir.resolve("reports-tss"), "--lib", lib.toString(), "--type", "tpm",
                    "--signing-key", lab[0].toString(), "--signing-cert", lab[1].toString());
            assertThat(run.failed()).as(run.out()).isEmpty();
            assertThat(run.exit()).isZero();
            assertThat(run.out()).doesNotContain("BUG: a secret");
            assertThat(run.scenario("The adapter activates DPS's identity key").path("status").asText())
                    .isEqualTo("PASSED");
            assertThat(run.scenario("The adapter answers DPS's challenge").path("status").asText()).isEqualTo("PASSED");
        }
    }
}
