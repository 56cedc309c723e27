package dev.firstboot.cli;

import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.rig.RigSpec;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.RunPlan;
import dev.firstboot.suite.Selection;
import dev.firstboot.suite.UsageException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the scenarios a run would select on a rig, without starting it: those that would run, and "
                + "those that are not applicable with the reason and a rig that would run them.",
                "Exit 0 when some scenario would run, 3 when none applicable is selected, 2 on bad input."})
final class ListCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    SelectionOptions select;

    @Override
    public Integer call() {
        return print(spec.commandLine(), select.rig, select);
    }

    /** The listing, for {@code list} and {@code run --dry-run}. */
    static int print(CommandLine cl, String rig, SelectionOptions select) {
        try {
            Selection selection = select.selection();
            RigFiles rigFiles = new RigFiles(Home.dir().resolve("rigs"));
            RigSpec rigSpec = rigFiles.load(rig);
            return RunPlan.of(rigSpec, selection.discover()).print(cl.getOut(), rigFiles, Home.dir());
        } catch (RigException | UsageException e) {
            cl.getErr().println("firstboot: " + e.getMessage());
            return ExitCodes.USAGE;
        }
    }
}
