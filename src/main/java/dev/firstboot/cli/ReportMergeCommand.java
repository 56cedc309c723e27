package dev.firstboot.cli;

import dev.firstboot.farm.MergeException;
import dev.firstboot.farm.ReportMerge;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge farm reports from several hosts into one, with each board's history.",
                "Inputs are folders written by 'firstboot run --farm' (reports/farm-…); OUT gets allure-results/, "
                        + "junit.xml (a suite per board), timing-stats.json (p50/p95 per board over every boot) and "
                        + "farm-summary.json. Conflicting or corrupt inputs are refused."})
final class ReportMergeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUT", description = "New (or empty) folder for the merged report.")
    Path out;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "DIR", description = "Farm report folders to merge.")
    List<Path> inputs;

    @Override
    public Integer call() {
        try {
            ReportMerge.merge(out, inputs, spec.commandLine().getOut());
            return ExitCodes.PASSED;
        } catch (MergeException e) {
            spec.commandLine().getErr().println("firstboot: cannot merge: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
