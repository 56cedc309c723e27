package dev.firstboot.cli;

import dev.firstboot.certification.BundleException;
import dev.firstboot.certification.CertificationBundle;
import dev.firstboot.certification.ShippedFeatures;
import dev.firstboot.certification.SigningIdentity;
import dev.firstboot.device.hsm.AdapterType;
import dev.firstboot.device.hsm.HsmAdapterDeviceProvider;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.NothingSelectedException;
import dev.firstboot.suite.RigStartException;
import dev.firstboot.suite.RunSummary;
import dev.firstboot.suite.SuiteRunner;
import dev.firstboot.suite.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code firstboot certify-hsm}: runs features/hsm/ against a vendor's adapter library with the embedded DPS and hub
 * emulators, and writes a signed certification bundle into the run's report folder.
 */
@Command(name = "certify-hsm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Certify a custom HSM adapter (a .so implementing hsm_client_data.h): run features/hsm/ against "
                + "it and write a signed certification bundle.",
                "The adapter is loaded in a child process; a crash, exit or hang fails that scenario and the run goes "
                        + "on. The bundle (certification/statement.json + statement.json.p7s) goes in the run's report "
                        + "folder; check it with 'firstboot verify-bundle'. See docs/hsm-certification.md."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every applicable scenario passed (the statement says whether the run is certifying)",
                "1:a scenario failed", "2:bad usage or input (library, type, signing key)", "3:nothing applicable ran",
                "4:the emulators could not be started, or a scenario was inconclusive (the host was overloaded)"})
final class CertifyHsmCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--lib", paramLabel = "PATH.so", required = true, description = "The adapter library.")
    Path library;

    @Option(names = "--type", paramLabel = "TYPE", required = true,
            description = "The interface to certify: x509, tpm or symmetric-key.")
    String type;

    @Option(names = "--registration-id", paramLabel = "ID",
            description = "The registration id the adapter must produce (CN, registration name, or the id derived "
                    + "from its EK); checked when given.")
    String registrationId;

    @Option(names = "--report", paramLabel = "DIR", description = "Folder for run reports (default: reports/).")
    Path report;

    @Option(names = "--signing-key", paramLabel = "KEY.pem", description = "The lab's private key (PEM) that signs the statement.")
    Path signingKey;

    @Option(names = "--signing-cert", paramLabel = "CERT.pem", description = "The lab's certificate for --signing-key.")
    Path signingCert;

    @Option(names = "--signing-config", paramLabel = "FILE",
            description = "Instead of the two options: a properties file with signing-key= and signing-cert=.")
    Path signingConfig;

    @Option(names = "--call-deadline", paramLabel = "SECONDS", defaultValue = "5",
            description = "How long one adapter call may take before the host is killed (default: ${DEFAULT-VALUE}).")
    double callDeadline;

    @Option(names = "--features", paramLabel = "DIR",
            description = "Another folder of HSM features. A run with features other than the shipped ones is "
                    + "marked non-certifying.")
    Path features;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path home = Home.dir();
        Optional<AdapterType> adapterType = AdapterType.named(type);
        if (adapterType.isEmpty()) {
            err.println("firstboot certify-hsm: unknown --type \"" + type + "\"; use one of " + AdapterType.names());
            return ExitCodes.USAGE;
        }
        if (!Files.isRegularFile(library)) {
            err.println("firstboot certify-hsm: no adapter library at " + library.toAbsolutePath().normalize()
                    + "; pass --lib with the path of your .so");
            return ExitCodes.USAGE;
        }
        if (callDeadline <= 0) {
            err.println("firstboot certify-hsm: --call-deadline must be positive, got " + callDeadline);
            return ExitCodes.USAGE;
        }
        SigningIdentity lab;
        try {
            lab = SigningIdentity.load(Optional.ofNullable(signingKey), Optional.ofNullable(signingCert),
                    Optional.ofNullable(signingConfig));
        } catch (BundleException e) {
            err.println("firstboot certify-hsm: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Path featureFolder = features == null ? home.resolve("features").resolve("hsm") : features;
        if (!Files.isDirectory(featureFolder)) {
            err.println("firstboot certify-hsm: no feature folder at " + featureFolder.toAbsolutePath().normalize()
                    + "; run from the firstboot folder or set FIRSTBOOT_HOME");
            return ExitCodes.USAGE;
        }
        Path reportRoot = report == null ? home.resolve("reports") : report;
        Path rigFile;
        String sha256;
        ShippedFeatures.Verdict verdict;
        try {
            sha256 = HsmAdapterDeviceProvider.sha256(library);
            verdict = ShippedFeatures.judge(featureFolder);
            Files.createDirectories(reportRoot);
            rigFile = reportRoot.resolve(".hsm-rig-" + UUID.randomUUID() + ".yaml");
            Files.writeString(rigFile, rig(adapterType.get()), StandardCharsets.UTF_8);
        } catch (IOException | RigException e) {
            err.println("firstboot certify-hsm: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        RunSummary summary;
        try {
            summary = new SuiteRunner(new RigFiles(home.resolve("rigs")), out).run(new SuiteRunner.Options(
                    rigFile.toString(), Optional.empty(), List.of(featureFolder), reportRoot, 1, false));
        } catch (RigStartException e) {
            err.println("firstboot certify-hsm: " + e.getMessage());
            return ExitCodes.RIG_ERROR;
        } catch (NothingSelectedException e) {
            err.println("firstboot certify-hsm: " + e.getMessage());
            return ExitCodes.NOTHING_RAN;
        } catch (RigException | UsageException e) {
            err.println("firstboot certify-hsm: " + e.getMessage());
            return ExitCodes.USAGE;
        } finally {
            try {
                Files.deleteIfExists(rigFile);
            } catch (IOException e) {
                // a left-over rig file in the report folder is harmless
            }
        }
        Path bundle = reportRoot.resolve(summary.runId()).resolve("certification");
        try {
            CertificationBundle.write(bundle, CertificationBundle.statement(summary,
                    new CertificationBundle.Adapter(library.getFileName().toString(), sha256,
                            adapterType.get().configName(), Optional.ofNullable(registrationId)),
                    verdict, featureFolder.toString(), Instant.now()), lab);
        } catch (BundleException e) {
            err.println("firstboot certify-hsm: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        out.println("Certification bundle: " + bundle.toAbsolutePath().normalize());
        if (verdict.certifying()) {
            out.println("Certifying run: the shipped features and the harness's own steps.");
        } else {
            out.println("NON-CERTIFYING run:");
            verdict.nonCertifyingReasons().forEach(r -> out.println("  - " + r));
        }
        out.flush();
        return summary.exitCode();
    }

    private String rig(AdapterType t) {
        StringBuilder y = new StringBuilder();
        y.append("# written by firstboot certify-hsm for one run\n");
        y.append("name: hsm-adapter\n");
        y.append("description: ").append(quote("HSM adapter " + library.getFileName() + " (" + t.configName()
                + ") with in-process DPS and IoT Hub emulators")).append('\n');
        y.append("backend:\n  kind: embedded\n  retry-after: 1s\n  hubs: [hub-a, hub-b]\n");
        y.append("device:\n  kind: hsm-adapter\n");
        y.append("  library: ").append(quote(library.toAbsolutePath().normalize().toString())).append('\n');
        y.append("  type: ").append(t.configName()).append('\n');
        if (registrationId != null && !registrationId.isBlank()) {
            y.append("  registration-id: ").append(quote(registrationId)).append('\n');
        }
        y.append("  call-deadline: ").append(Duration.ofMillis(Math.round(callDeadline * 1000)).toMillis())
                .append("ms\n");
        y.append("controls:\n  kind: none\n");
        return y.toString();
    }

    /** A YAML double-quoted scalar. */
    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
