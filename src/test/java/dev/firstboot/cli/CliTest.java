package dev.firstboot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line: help, version, rig listing, and bad input as a clear error with exit 2, never a stack trace. */
class CliTest {
    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[]{"run", "rigs", "report", "cert", "devkit-sim", "tpm-sim"}) {
            Result r = run(command, "--help");
            assertThat(r.exit()).as(command).isZero();
            assertThat(r.out()).as(command).contains("Usage: firstboot " + command);
        }
        assertThat(run("--help").out()).contains("Exit codes:").contains("130");
    }

    @Test
    void noCommandExitsTwoWithTheUsage() {
        Result r = run();
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("firstboot: no command given").contains("Usage: firstboot");
    }

    @Test
    void aMistypedCommandGetsASuggestion() {
        Result r = run("rnu", "--rig", "embedded");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("Unmatched argument").contains("Did you mean: firstboot run?");
        assertThat(run("lsit").err()).contains("Did you mean: firstboot list");
    }

    @Test
    void versionNamesTheHarness() {
        Result r = run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("firstboot ");
    }

    @Test
    void rigsListsTheEmbeddedRigWithItsCapabilities() {
        Result r = run("rigs");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("embedded \\(default\\)\\s+@dice @faults @mqtt @wire @x509  · "
                + dev.firstboot.rig.RigFiles.DEFAULT_PARALLEL + " scenarios at once")
                .containsPattern("devkit-az3166.example\\s+@.* · one scenario at a time");
    }

    @Test
    void unknownRigIsAUsageErrorThatListsTheKnownOnes() {
        Result r = run("run", "--rig", "no-such-rig", "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("No rig named 'no-such-rig'").contains("Known rigs: ").contains("embedded").contains("virtual-devkit").doesNotContain("Exception");
    }

    @Test
    void malformedRigFileIsRejectedWithFileLineAndField() throws Exception {
        Path rig = Files.writeString(dir.resolve("broken.yaml"), """
                name: broken
                backend:
                  kind: embedded
                  retry-after: soon
                device:
                  kind: dice-simulator
                """);
        Result r = run("run", "--rig", rig.toString(), "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(rig + ":4:16: backend.retry-after: expected a duration").doesNotContain("Exception");
    }

    @Test
    void unknownDefectNamesTheKnownOnes() throws Exception {
        Path rig = Files.writeString(dir.resolve("typo.yaml"), """
                backend:
                  kind: embedded
                device:
                  kind: dice-simulator
                  firmware: {bin: %s, map: %s}
                  defects: [wrong-serail]
                """.formatted(Path.of("firmware/devkit-dps-a/DPS.ino.bin").toAbsolutePath(),
                Path.of("firmware/devkit-dps-a/DPS.ino.map").toAbsolutePath()));
        Result r = run("run", "--rig", rig.toString(), "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("typo.yaml:6:").contains("unknown defect \"wrong-serail\"").contains("wrong-serial");
    }

    @Test
    void noThreadsAtAllIsAUsageError() {
        Result r = run("run", "--threads", "0", "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--threads must be at least 1, got 0; leave it out for the rig's max-parallel");
    }

    @Test
    void tooManyThreadsForTheRigIsAUsageError() {
        int most = dev.firstboot.rig.RigFiles.DEFAULT_PARALLEL;
        Result r = run("run", "--threads", Integer.toString(most + 1), "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("runs at most " + most + " scenario(s) at once");
    }

    @Test
    void aBoardThatIsNotPluggedInIsARigErrorThatSaysWhatToCheck() throws Exception {
        Path rig = Files.writeString(dir.resolve("unplugged.yaml"), """
                backend:
                  kind: embedded
                device:
                  kind: devkit-serial
                  port: %s
                  firmware: {bin: %s, map: %s}
                controls:
                  kind: commands
                """.formatted(dir.resolve("ttyACM9"), Path.of("firmware/devkit-dps-a/DPS.ino.bin").toAbsolutePath(),
                Path.of("firmware/devkit-dps-a/DPS.ino.map").toAbsolutePath()));
        Result r = run("run", "--rig", rig.toString(), "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.err()).contains("ttyACM9").contains("does not exist").doesNotContain("Exception");
    }

    @Test
    void aSerialBoardWithoutControlsForResetAndButtonAIsRefusedAtStart() throws Exception {
        Path rig = Files.writeString(dir.resolve("nocontrols.yaml"), """
                backend:
                  kind: embedded
                device:
                  kind: devkit-serial
                  port: /dev/null
                  firmware: {bin: %s, map: %s}
                """.formatted(Path.of("firmware/devkit-dps-a/DPS.ino.bin").toAbsolutePath(),
                Path.of("firmware/devkit-dps-a/DPS.ino.map").toAbsolutePath()));
        Result r = run("run", "--rig", rig.toString(), "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(4);
        assertThat(r.err()).contains("needs controls for reset and button A");
    }
}
