package dev.firstboot.certification;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.suite.RunSummary;
import dev.firstboot.suite.ScenarioResult;
import dev.firstboot.suite.ScenarioStatus;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.CMSSignerDigestMismatchException;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A certification bundle: {@code statement.json} (what ran against which adapter, with what result) and
 * {@code statement.json.p7s}, a detached CMS signature over its exact bytes made with the lab's key.
 */
public final class CertificationBundle {
    public static final String STATEMENT = "statement.json";
    public static final String SIGNATURE = "statement.json.p7s";
    static final String FORMAT = "firstboot-hsm-certification/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the statement says about the adapter. */
    public record Adapter(String file, String sha256, String type, Optional<String> registrationId) {
    }

    /** The outcome of {@link #verify}: a good signature and what the statement says, or what failed. */
    public sealed interface Verification permits Verified, Rejected {
    }

    public record Verified(String signer, String signerSha256, boolean certifying, String result,
                           List<String> nonCertifyingReasons, String adapterSha256) implements Verification {
    }

    public record Rejected(String reason) implements Verification {
    }

    private CertificationBundle() {
    }

    /** Builds the statement for a finished run. */
    public static ObjectNode statement(RunSummary summary, Adapter adapter, ShippedFeatures.Verdict verdict,
                                       String featureFolder, Instant date) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("date", date.toString());
        root.put("runId", summary.runId());
        ObjectNode harness = root.putObject("harness");
        harness.put("version", summary.harnessVersion());
        harness.put("java", System.getProperty("java.version"));
        ObjectNode a = root.putObject("adapter");
        a.put("file", adapter.file());
        a.put("sha256", adapter.sha256());
        a.put("type", adapter.type());
        adapter.registrationId().ifPresent(r -> a.put("expectedRegistrationId", r));
        ObjectNode env = root.putObject("environment");
        env.put("rig", summary.rig());
        for (Map.Entry<String, String> e : summary.labels().entrySet()) {
            env.put(e.getKey(), e.getValue());
        }
        env.put("dpsEmulator", "firstboot embedded DPS emulator " + summary.harnessVersion());
        env.put("hubEmulator", "firstboot embedded IoT Hub emulator " + summary.harnessVersion());
        env.put("adapterHost", "firstboot AdapterHost (JNA " + com.sun.jna.Native.VERSION + ") on Java "
                + System.getProperty("java.version"));
        ObjectNode features = root.putObject("features");
        features.put("folder", featureFolder);
        ArrayNode files = features.putArray("files");
        for (ShippedFeatures.FeatureHash f : verdict.features()) {
            ObjectNode n = files.addObject();
            n.put("name", f.name());
            n.put("sha256", f.sha256());
            n.put("shipped", f.matches());
        }
        root.put("certifying", verdict.certifying());
        ArrayNode reasons = root.putArray("nonCertifyingReasons");
        verdict.nonCertifyingReasons().forEach(reasons::add);
        root.put("result", result(summary));
        ObjectNode counts = root.putObject("counts");
        for (ScenarioStatus s : ScenarioStatus.values()) {
            counts.put(s.name().toLowerCase(java.util.Locale.ROOT), summary.count(s));
        }
        ArrayNode scenarios = root.putArray("scenarios");
        for (ScenarioResult r : summary.scenarios()) {
            ObjectNode n = scenarios.addObject();
            n.put("feature", r.feature());
            n.put("scenario", r.name());
            n.put("location", r.location().replaceFirst("^.*/features/", "features/"));
            n.put("status", r.status().name());
            n.put("started", r.started().toString());
            n.put("durationMs", r.duration().toMillis());
            if (!r.message().isEmpty()) {
                n.put("message", r.firstLineOfMessage());
            }
        }
        return root;
    }

    /** PASSED only if every applicable scenario passed and at least one ran; INCONCLUSIVE when the host was overloaded. */
    static String result(RunSummary s) {
        if (s.count(ScenarioStatus.FAILED) > 0 || s.count(ScenarioStatus.NOT_RUN) > 0 || s.interrupted()) {
            return "FAILED";
        }
        if (s.count(ScenarioStatus.INCONCLUSIVE) > 0) {
            return "INCONCLUSIVE";
        }
        return s.count(ScenarioStatus.PASSED) == 0 ? "NOTHING_RAN" : "PASSED";
    }

    /** Writes statement.json and its detached signature into {@code dir}. */
    public static void write(Path dir, ObjectNode statement, SigningIdentity lab) throws BundleException {
        try {
            Files.createDirectories(dir);
            byte[] bytes = JSON.writeValueAsBytes(statement);
            Files.write(dir.resolve(STATEMENT), bytes);
            Files.write(dir.resolve(SIGNATURE), sign(bytes, lab));
        } catch (IOException e) {
            throw new BundleException("cannot write the bundle to " + dir + ": " + e.getMessage());
        }
    }

    static byte[] sign(byte[] content, SigningIdentity lab) throws BundleException {
        String alg = lab.key().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            CMSSignedDataGenerator gen = new CMSSignedDataGenerator();
            gen.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder()
                    .build()).build(new JcaContentSignerBuilder(alg).build(lab.key()), lab.certificate()));
            gen.addCertificates(new JcaCertStore(List.of(lab.certificate())));
            return gen.generate(new CMSProcessableByteArray(content), false).getEncoded();
        } catch (OperatorCreationException | CertificateEncodingException | CMSException | IOException
                 | IllegalArgumentException e) {
            throw new BundleException("cannot sign the statement with the lab's key (" + lab.key().getAlgorithm()
                    + "): " + e.getMessage() + "; use an EC P-256 or RSA key whose certificate is --signing-cert");
        }
    }

    /**
     * Verifies a bundle folder offline: the signature over statement.json, the signer against {@code trusted} if
     * given, and that the statement is one this harness writes.
     */
    public static Verification verify(Path dir, Optional<X509Certificate> trusted) {
        Path statementFile = dir.resolve(STATEMENT);
        Path signatureFile = dir.resolve(SIGNATURE);
        if (!Files.isRegularFile(statementFile) || !Files.isRegularFile(signatureFile)) {
            return new Rejected("a bundle folder holds " + STATEMENT + " and " + SIGNATURE + "; " + dir + " is missing "
                    + (Files.isRegularFile(statementFile) ? SIGNATURE : STATEMENT));
        }
        byte[] content;
        byte[] p7s;
        try {
            content = Files.readAllBytes(statementFile);
            p7s = Files.readAllBytes(signatureFile);
        } catch (IOException e) {
            return new Rejected("cannot read the bundle: " + e.getMessage());
        }
        X509Certificate signerCert;
        try {
            CMSSignedData signed = new CMSSignedData(new CMSProcessableByteArray(content), p7s);
            Collection<SignerInformation> signers = signed.getSignerInfos().getSigners();
            if (signers.size() != 1) {
                return new Rejected(SIGNATURE + " has " + signers.size() + " signers; a bundle has exactly one");
            }
            SignerInformation signer = signers.iterator().next();
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> certs = signed.getCertificates().getMatches(signer.getSID());
            if (certs.isEmpty()) {
                return new Rejected(SIGNATURE + " does not carry the signer's certificate");
            }
            signerCert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                    .getCertificate(certs.iterator().next());
            try {
                if (!signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(signerCert))) {
                    return new Rejected("the signature in " + SIGNATURE + " does not verify with its signer's "
                            + "certificate: the signature file was altered");
                }
            } catch (CMSSignerDigestMismatchException e) {
                return new Rejected(STATEMENT + " was changed after it was signed: its SHA-256 ("
                        + ShippedFeatures.sha256(content) + ") is not the digest the lab signed"
                        + changedHint(content));
            }
        } catch (CMSException e) {
            return new Rejected(SIGNATURE + " is not a valid CMS signature: " + e.getMessage());
        } catch (OperatorCreationException | CertificateException e) {
            return new Rejected("cannot check the signature: " + e.getMessage());
        }
        String signerSha;
        try {
            signerSha = ShippedFeatures.sha256(signerCert.getEncoded());
        } catch (CertificateEncodingException e) {
            return new Rejected("the signer's certificate cannot be encoded: " + e.getMessage());
        }
        if (trusted.isPresent()) {
            try {
                if (!ShippedFeatures.sha256(trusted.get().getEncoded()).equals(signerSha)) {
                    return new Rejected("the bundle is signed by " + signerCert.getSubjectX500Principal()
                            + " (SHA-256 " + signerSha + "), not by the trusted lab certificate "
                            + trusted.get().getSubjectX500Principal());
                }
            } catch (CertificateEncodingException e) {
                return new Rejected("the trusted certificate cannot be encoded: " + e.getMessage());
            }
        }
        JsonNode s;
        try {
            s = JSON.readTree(content);
        } catch (IOException e) {
            return new Rejected(STATEMENT + " is signed but is not JSON: " + e.getMessage());
        }
        if (!FORMAT.equals(s.path("format").asText())) {
            return new Rejected(STATEMENT + " is signed but is not a firstboot HSM certification statement (format "
                    + s.path("format").asText("missing") + ")");
        }
        List<String> reasons = new ArrayList<>();
        s.path("nonCertifyingReasons").forEach(r -> reasons.add(r.asText()));
        return new Verified(signerCert.getSubjectX500Principal().getName(), signerSha,
                s.path("certifying").asBoolean(false), s.path("result").asText(), reasons,
                s.path("adapter").path("sha256").asText());
    }

    /** Which fields look edited, when that can be told from the statement alone. */
    private static String changedHint(byte[] content) {
        try {
            JsonNode s = JSON.readTree(content);
            List<String> hints = new ArrayList<>();
            long failed = 0;
            long passed = 0;
            for (JsonNode n : s.path("scenarios")) {
                if (n.path("status").asText().equals("FAILED")) {
                    failed++;
                } else if (n.path("status").asText().equals("PASSED")) {
                    passed++;
                }
            }
            if (s.path("counts").path("failed").asLong(-1) != failed
                    || s.path("counts").path("passed").asLong(-1) != passed) {
                hints.add("the counts no longer match the scenarios");
            }
            boolean anyFailed = failed > 0;
            if (s.path("result").asText().equals("PASSED") && anyFailed) {
                hints.add("result says PASSED but a scenario failed");
            }
            return hints.isEmpty() ? "" : " (" + String.join("; ", hints) + ")";
        } catch (IOException e) {
            return " (and it is no longer valid JSON)";
        }
    }
}
