package dev.firstboot.cli;

import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.HarnessVersion;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code firstboot}: the command line. Each subcommand lives in its own class. */
@Command(name = "firstboot", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Conformance harness for zero-touch provisioning with Azure IoT DPS.",
                "Runs Cucumber features (features/) against a rig (rigs/*.yaml): a device under test, a provisioning "
                        + "backend and controls."},
        subcommands = {RunCommand.class, RigsCommand.class, ReportCommand.class, CertCommand.class, DevKitSimCommand.class, TpmSimCommand.class,
                EmulatorCommand.class, BenchCommand.class,
                CertifyHsmCommand.class, VerifyBundleCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every selected scenario that applies to the rig passed",
                "1:a scenario failed, or some were not run",
                "2:bad usage or input (rig file, options, files)",
                "3:nothing applicable ran",
                "4:the rig could not be started",
                "5:verify-bundle: the certification bundle does not verify",
                "130:interrupted; finished results are kept"})
public final class Main implements Runnable {
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
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"firstboot " + HarnessVersion.get(), "Java " + System.getProperty("java.version")};
        }
    }
}
