package dev.firstboot.cli;

import dev.firstboot.certification.BundleException;
import dev.firstboot.certification.CertificationBundle;
import dev.firstboot.certification.SigningIdentity;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code firstboot verify-bundle}: checks a certification bundle offline. */
@Command(name = "verify-bundle", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Verify an HSM certification bundle offline: the lab's signature over statement.json, and "
                + "what the statement says (result, certifying or not).",
                "Any edit to the statement or the signature makes it fail."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the signature is good and the statement is a passing, certifying run",
                "1:the signature is good, but the run failed or is not certifying",
                "2:bad usage", "5:the bundle does not verify (edited, wrong signer, missing files)"})
final class VerifyBundleCommand implements Callable<Integer> {
    static final int REJECTED = 5;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "BUNDLE", description = "The bundle folder (…/certification) or its statement.json.")
    Path bundle;

    @Option(names = "--trust", paramLabel = "CERT.pem",
            description = "Accept only a bundle signed with this lab certificate.")
    Path trust;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (!Files.exists(bundle)) {
            err.println("firstboot verify-bundle: no bundle at " + bundle.toAbsolutePath().normalize() + "; pass the "
                    + "certification folder of a certify-hsm run (reports/RUN/certification)");
            return ExitCodes.USAGE;
        }
        Path dir = Files.isDirectory(bundle) ? bundle : bundle.toAbsolutePath().getParent();
        Optional<X509Certificate> trusted = Optional.empty();
        if (trust != null) {
            try {
                trusted = Optional.of(SigningIdentity.readCertificate(trust));
            } catch (BundleException e) {
                err.println("firstboot verify-bundle: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        CertificationBundle.Verification v = CertificationBundle.verify(dir, trusted);
        if (v instanceof CertificationBundle.Rejected r) {
            err.println("firstboot verify-bundle: REJECTED: " + r.reason());
            return REJECTED;
        }
        CertificationBundle.Verified ok = (CertificationBundle.Verified) v;
        out.println("Signature: good, signed by " + ok.signer() + " (certificate SHA-256 " + ok.signerSha256() + ")"
                + (trusted.isPresent() ? ", the certificate given with --trust" : ""));
        if (trusted.isEmpty()) {
            out.println("WARNING: the signer was not checked: the bundle is intact, but anyone can sign a bundle. "
                    + "Pass --trust LAB-CERT.pem to accept only your lab's signature.");
        }
        out.println("Adapter SHA-256: " + ok.adapterSha256());
        out.println("Result: " + ok.result());
        if (ok.certifying()) {
            out.println("Certifying: yes");
        } else {
            out.println("Certifying: NO");
            ok.nonCertifyingReasons().forEach(reason -> out.println("  - " + reason));
        }
        out.flush();
        return ok.certifying() && ok.result().equals("PASSED") ? ExitCodes.PASSED : ExitCodes.FAILED;
    }
}
