package dev.firstboot.cli;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.rig.RigSpec;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "rigs", mixinStandardHelpOptions = true,
        description = "List the rigs in rigs/ with their capabilities and how many scenarios each runs at once (max-parallel). "
                + "A rig file with an error is listed with the error.")
final class RigsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        RigFiles files = new RigFiles(Home.dir().resolve("rigs"));
        var names = files.names();
        if (names.isEmpty()) {
            out.println("No rig files in " + files.directory());
            return ExitCodes.USAGE;
        }
        int bad = 0;
        for (String name : names) {
            try {
                java.nio.file.Path file = files.directory().resolve(name + ".yaml");
                if (dev.firstboot.rig.FarmFiles.isFarmFile(file)) {
                    var farm = dev.firstboot.rig.FarmFiles.read(file);
                    out.printf("%-28s farm of %d boards: %s (run it with --farm %s)%n", name, farm.boards().size(),
                            String.join(" ", farm.boards().stream().map(dev.firstboot.rig.FarmFiles.Board::name).toList()),
                            "rigs/" + name + ".yaml");
                    continue;
                }
                RigSpec rig = files.load(name);
                out.printf("%-28s %s  · %s%n", name + (name.equals(RigFiles.DEFAULT_RIG) ? " (default)" : ""),
                        Capabilities.render(rig.capabilities()), rig.maxParallel() == 1 ? "one scenario at a time"
                                : rig.maxParallel() + " scenarios at once");
                if (!rig.description().isBlank()) {
                    out.printf("%-28s %s%n", "", rig.description());
                }
                // A part that cannot work on this machine (its program is not installed, say): its scenarios are
                // reported not applicable with this reason.
                new java.util.TreeSet<>(rig.unavailable().values()).forEach(why ->
                        out.printf("%-28s unavailable here: %s%n", "", why));
            } catch (RigException e) {
                bad++;
                out.printf("%-28s INVALID: %s%n", name, e.getMessage());
            }
        }
        out.flush();
        return bad == 0 ? ExitCodes.PASSED : ExitCodes.USAGE;
    }
}
