package dev.firstboot.cli;

import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.RigStartException;
import dev.firstboot.suite.RunSummary;
import dev.firstboot.suite.SuiteRunner;
import dev.firstboot.suite.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the conformance features on a rig and write the reports.",
                "Prints one line per scenario as it finishes, then a summary."})
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rig", paramLabel = "NAME|FILE", defaultValue = RigFiles.DEFAULT_RIG,
            description = "Rig name from rigs/ or a rig file (default: ${DEFAULT-VALUE}).")
    String rig;

    @Option(names = "--tags", paramLabel = "EXPR",
            description = "Cucumber tag expression selecting scenarios, e.g. \"@x509 and not @slow\".")
    String tags;

    @Option(names = "--features", paramLabel = "PATH", description = "Feature file or folder (repeatable; default: features/).")
    List<Path> features;

    @Option(names = "--report", paramLabel = "DIR", description = "Folder for run reports (default: reports/).")
    Path report;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Scenarios at once, up to the rig's max-parallel (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--fail-fast", description = "Start no new scenario after the first failure; the rest are reported not run.")
    boolean failFast;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Path home = Home.dir();
        List<Path> featurePaths = features == null || features.isEmpty() ? List.of(home.resolve("features")) : features;
        Path reportRoot = report == null ? home.resolve("reports") : report;
        SuiteRunner runner = new SuiteRunner(new RigFiles(home.resolve("rigs")), out);
        try {
            RunSummary summary = runner.run(new SuiteRunner.Options(rig, Optional.ofNullable(tags), featurePaths,
                    reportRoot, threads, failFast));
            return summary.exitCode();
        } catch (RigStartException e) {
            err.println("firstboot: " + e.getMessage());
            return ExitCodes.RIG_ERROR;
        } catch (RigException | UsageException e) {
            err.println("firstboot: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
