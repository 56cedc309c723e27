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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the conformance features on a rig and write the reports.",
                "Selectors (--tags, --name, --features FILE:LINE) are checked before the rig starts; scenarios they "
                        + "leave out are no result. Prints one line per scenario as it finishes (on a terminal also "
                        + "a live status line), then one line per capability the not-applicable scenarios need, then "
                        + "a summary. Exit 0 when every selected scenario that applies passed, 1 when one failed or "
                        + "was not run, 2 on bad input, 3 when nothing applicable was selected, 4 when the rig "
                        + "cannot start or, with no failure, a scenario was inconclusive (a time limit missed while "
                        + "the host was overloaded), 130 when interrupted.",
                "With --farm FILE, runs them on a farm of boards instead (see docs/farm.md)."})
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    SelectionOptions select;

    @Option(names = "--dry-run", description = "Check the selection and the rig file and list what would run, "
            + "without starting the rig (as 'firstboot list').")
    boolean dryRun;

    @Option(names = "--rerun-failed", paramLabel = "RUN", arity = "0..1", fallbackValue = "",
            description = "Run again exactly the scenarios that failed or were inconclusive in RUN (a run id in the "
                    + "reports folder, or a run folder; default: the newest run), on its rig unless --rig is given.")
    String rerunFailed;

    @Option(names = "--show-skipped", description = "List not-applicable scenarios one by one instead of one line per "
            + "missing capability.")
    boolean showSkipped;

    @Option(names = {"-q", "--quiet"}, description = "Print only failures and the summary.")
    boolean quiet;

    @Option(names = {"-v", "--verbose"}, description = "Stream the device console as it arrives.")
    boolean verbose;

    @Option(names = "--junit", paramLabel = "PATH", description = "Also write the JUnit XML report to PATH.")
    Path junit;

    @Option(names = "--json", paramLabel = "PATH", description = "Also write summary.json to PATH (schema: docs/reports.md).")
    Path json;

    @Option(names = "--report", paramLabel = "DIR", description = "Folder for run reports (default: reports/).")
    Path report;

    @Option(names = "--threads", paramLabel = "N",
            description = "Scenarios at once, each on a lane of the rig of its own (device, backend tenant, timeline), "
                    + "up to the rig's max-parallel (default: max-parallel, which on simulated rigs is 4 per core, up "
                    + "to 16, and 1 on a board); --threads 1 runs them in order.")
    Integer threads;

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
            description = "With --farm: retry a rig failure (serial port gone, control command failed, the board's "
                    + "run broke, a scenario inconclusive on an overloaded host) up to N times; device failures are "
                    + "never retried (default: ${DEFAULT-VALUE}).")
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
        if (threads != null && threads < 1) {
            err.println("firstboot: --threads must be at least 1, got " + threads + "; leave it out for the rig's"
                    + " max-parallel");
            return ExitCodes.USAGE;
        }
        if (dryRun) {
            return ListCommand.print(spec.commandLine(), select.rig, select);
        }
        Path home = Home.dir();
        List<Path> featurePaths = select.featurePaths();
        Path reportRoot = report == null ? home.resolve("reports") : report;
        String rigName = select.rig;
        if (rerunFailed != null) {
            if (select.features != null) {
                err.println("firstboot: --rerun-failed takes the failed scenarios of a run; it does not go with --features");
                return ExitCodes.USAGE;
            }
            try {
                Rerun rerun = Rerun.of(reportRoot, rerunFailed);
                if (rerun.failed().isEmpty()) {
                    out.println("firstboot: run " + rerun.runId() + " has no failed scenarios; nothing to rerun");
                    out.println("Result: NOTHING SELECTED");
                    return ExitCodes.NOTHING_RAN;
                }
                out.println("Rerunning the " + rerun.failed().size() + " failed scenario"
                        + (rerun.failed().size() == 1 ? "" : "s") + " of run " + rerun.runId());
                featurePaths = rerun.failed();
                if (!spec.commandLine().getParseResult().hasMatchedOption("--rig") && !rerun.rig().isEmpty()) {
                    rigName = rerun.rig();
                }
            } catch (UsageException e) {
                err.println("firstboot: " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        SuiteRunner runner = new SuiteRunner(new RigFiles(home.resolve("rigs")), out);
        try {
            RunSummary summary = runner.run(new SuiteRunner.Options(rigName, select.tags(),
                    select.name(), featurePaths, reportRoot, threads == null ? 0 : threads, failFast,
                    Terminal.detect(quiet, verbose, showSkipped), Optional.ofNullable(junit), Optional.ofNullable(json)));
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
        if (spec.commandLine().getParseResult().hasMatchedOption("--rig") || threads != null || failFast) {
            err.println("firstboot: --farm takes the place of --rig, --threads and --fail-fast: boards run in parallel, "
                    + "one scenario at a time each");
            return ExitCodes.USAGE;
        }
        if (select.name != null || dryRun || rerunFailed != null || junit != null || json != null) {
            err.println("firstboot: --name, --dry-run, --rerun-failed, --junit and --json are for a run on one rig; a "
                    + "farm selects with --tags and --features and writes its own report (docs/farm.md)");
            return ExitCodes.USAGE;
        }
        Path home = Home.dir();
        List<Path> featurePaths = select.featurePaths();
        Path reportRoot = report == null ? home.resolve("reports") : report;
        try {
            return new FarmRunner(spec.commandLine().getOut()).run(new FarmRunner.Options(farm,
                    boards == null ? List.of() : boards, spread, repeat, retries, select.tags(), featurePaths,
                    reportRoot)).exitCode();
        } catch (RigException | UsageException e) {
            err.println("firstboot: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
