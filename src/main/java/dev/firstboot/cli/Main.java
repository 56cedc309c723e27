package dev.firstboot.cli;

import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.HarnessVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.List;

/** {@code firstboot}: the command line. Each subcommand lives in its own class. */
@Command(name = "firstboot", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Conformance harness for zero-touch provisioning with Azure IoT DPS.",
                "Runs Cucumber features (features/) against a rig (rigs/*.yaml): a device under test, a provisioning "
                        + "backend and controls."},
        subcommands = {RunCommand.class, ListCommand.class, RigsCommand.class, ReportCommand.class, CertCommand.class, DevKitSimCommand.class, TpmSimCommand.class,
                EmulatorCommand.class, BenchCommand.class,
                CertifyHsmCommand.class, VerifyBundleCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every selected scenario that applies to the rig passed",
                "1:a scenario failed, or some were not run",
                "2:bad usage or input (rig file, options, files)",
                "3:nothing applicable ran",
                "4:the rig could not be started, or (no scenario failed) one was inconclusive: the host was overloaded",
                "5:verify-bundle: the certification bundle does not verify",
                "130:interrupted; finished results are kept"})
public final class Main implements java.util.concurrent.Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with firstboot's error handling: bad usage is exit 2 with a hint, never a stack trace. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println("firstboot: internal error: " + ex);
            commandLine.getErr().println("This is a bug in firstboot; please report it with the command you ran.");
            return ExitCodes.USAGE;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("firstboot: " + ex.getMessage());
            if (ex instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()
                    && !c.getSubcommands().isEmpty()) {
                List<String> close = closest(unmatched.getUnmatched().get(0), c.getSubcommands().keySet());
                if (!close.isEmpty()) {
                    c.getErr().println("Did you mean: " + String.join(" or ", close.stream()
                            .map(sug -> c.getCommandSpec().qualifiedName() + " " + sug).toList()) + "?");
                }
            }
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        return cl;
    }

    /** The commands within two edits of a mistyped one (a swap counts as one), or that it begins. */
    static List<String> closest(String typed, java.util.Collection<String> commands) {
        if (typed.startsWith("-")) {
            return List.of();
        }
        return commands.stream().filter(c -> !c.equals("help"))
                .filter(c -> distance(typed, c) <= 2 || typed.length() >= 2 && c.startsWith(typed)).sorted().toList();
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** No command: say so, show the usage, and exit 2 (a script that forgot its command must not pass). */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("firstboot: no command given; e.g. 'firstboot run' runs the conformance "
                + "features on the embedded rig.");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"firstboot " + HarnessVersion.get(), "Java " + System.getProperty("java.version")};
        }
    }
}
