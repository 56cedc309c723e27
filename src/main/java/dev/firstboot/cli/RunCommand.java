package dev.firstboot.cli;

import dev.firstboot.farm.FarmRunner;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.NothingSelectedException;
import dev.firstboot.suite.RigStartException;
import dev.firstboot.suite.RunSummary;
import dev.firstboot.suite.SuiteRunner;
import dev.firstboot.suite.Terminal;
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
                "Prints one line per scenario as it finishes, then a summary.",
                "With --farm FILE, runs them on a farm of boards instead (see docs/farm.md)."})
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rig", paramLabel = "NAME|FILE", defaultValue = RigFiles.DEFAULT_RIG,
            description = "Rig name from rigs/ or a rig file (default: ${DEFAULT-VALUE}).")
    String rig;

    @Option(names = "--tags", paramLabel = "EXPR",
            description = "Cucumber tag expression selecting scenarios, e.g. \"@x509 and not @slow\".")
    String tags;

    @Option(names = "--name", paramLabel = "REGEX",
            description = "Only scenarios whose name contains a match of this regular expression (examples are named with their values).")
    String name;

    @Option(names = "--features", paramLabel = "PATH", description = "Feature file, FILE.feature:LINE (the scenario holding that line), or folder (repeatable; default: features/).")
    List<Path> features;

    @Option(names = "--report", paramLabel = "DIR", description = "Folder for run reports (default: reports/).")
    Path report;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Scenarios at once, up to the rig's max-parallel (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--fail-fast", description = "Start no new scenario after the first failure; the rest are reported not run.")
    boolean failFast;

    @Option(names = "--farm", paramLabel = "FILE",
            description = "Run on a farm of boards (an inventory like rigs/farm.example.yaml) instead of one rig: "
                    + "one scenario at a time per board, all boards at once, each board health-checked first.")
    Path farm;

    @Option(names = "--board", paramLabel = "NAME", description = "With --farm: only this board (repeatable; default: every board).")
    List<String> boards;

    @Option(names = "--spread", description = "With --farm: run each scenario once per pool of equivalent boards "
            + "instead of on every board.")
    boolean spread;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
            description = "With --farm: boot N times per scenario and board, for p50/p95 boot-phase timing (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "1",
            description = "With --farm: retry a rig failure (serial port gone, control command failed, board run "
                    + "crashed) up to N times; device failures are never retried (default: ${DEFAULT-VALUE}).")
    int retries;

    @Override
    public Integer call() {
        if (farm != null) {
            return runFarm();
        }
        if (boards != null || spread || repeat != 1 || retries != 1) {
            spec.commandLine().getErr().println("firstboot: --board, --spread, --repeat and --retries go with --farm FILE");
            return ExitCodes.USAGE;
        }
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Path home = Home.dir();
        List<Path> featurePaths = features == null || features.isEmpty() ? List.of(home.resolve("features")) : features;
        Path reportRoot = report == null ? home.resolve("reports") : report;
        SuiteRunner runner = new SuiteRunner(new RigFiles(home.resolve("rigs")), out);
        try {
            RunSummary summary = runner.run(new SuiteRunner.Options(rig, Optional.ofNullable(tags),
                    Optional.ofNullable(name), featurePaths, reportRoot, threads, failFast, Terminal.plain(),
                    Optional.empty(), Optional.empty()));
            return summary.exitCode();
        } catch (NothingSelectedException e) {
            out.println("firstboot: " + e.getMessage());
            out.println("Result: NOTHING SELECTED");
            return ExitCodes.NOTHING_RAN;
        } catch (RigStartException e) {
            err.println("firstboot: " + e.getMessage());
            return ExitCodes.RIG_ERROR;
        } catch (RigException | UsageException e) {
            err.println("firstboot: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }

    private int runFarm() {
        var err = spec.commandLine().getErr();
        if (spec.commandLine().getParseResult().hasMatchedOption("--rig") || threads != 1 || failFast) {
            err.println("firstboot: --farm takes the place of --rig, --threads and --fail-fast: boards run in parallel, "
                    + "one scenario at a time each");
            return ExitCodes.USAGE;
        }
        Path home = Home.dir();
        List<Path> featurePaths = features == null || features.isEmpty() ? List.of(home.resolve("features")) : features;
        Path reportRoot = report == null ? home.resolve("reports") : report;
        try {
            return new FarmRunner(spec.commandLine().getOut()).run(new FarmRunner.Options(farm,
                    boards == null ? List.of() : boards, spread, repeat, retries, Optional.ofNullable(tags), featurePaths,
                    reportRoot)).exitCode();
        } catch (RigException | UsageException e) {
            err.println("firstboot: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
