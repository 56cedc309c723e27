package dev.firstboot.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code firstboot devkit-sim}: bad input is exit 2 with a clear message; controls come as lines on stdin. */
class DevKitSimCommandTest {
    static final String BIN = Path.of("firmware/devkit-dps-a/DPS.ino.bin").toAbsolutePath().toString();
    static final String MAP = Path.of("firmware/devkit-dps-a/DPS.ino.map").toAbsolutePath().toString();

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    private Result run(String stdin, String... args) {
        DevKitSimCommand command = new DevKitSimCommand();
        command.controls = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        CommandLine cl = new CommandLine(command);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Result(cl.execute(args), out.toString(), err.toString());
    }

    private String state() {
        return dir.resolve("state").toString();
    }

    @Test
    void aMissingFirmwareFileIsAUsageErrorNamingIt() {
        String missing = dir.resolve("nope.bin").toString();
        Result r = run("", "--state", state(), "--firmware", missing, "--map", MAP);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(missing).contains("does not exist").doesNotContain("Exception");
    }

    @Test
    void aBadMacVersionOrDpsIsAUsageError() {
        Result mac = run("", "--state", state(), "--firmware", BIN, "--map", MAP, "--mac", "zz");
        assertThat(mac.exit()).isEqualTo(2);
        assertThat(mac.err()).contains("MAC address").contains("'zz'");
        Result version = run("", "--state", state(), "--firmware", BIN, "--map", MAP, "--firmware-version", "2.0");
        assertThat(version.exit()).isEqualTo(2);
        assertThat(version.err()).contains("firmware version").contains("'2.0'");
        Result dps = run("", "--state", state(), "--firmware", BIN, "--map", MAP, "--dps", "localhost");
        assertThat(dps.exit()).isEqualTo(2);
        assertThat(dps.err()).contains("--dps: expected HOST:PORT").doesNotContain("Exception");
        Result scope = run("", "--state", state(), "--firmware", BIN, "--map", MAP, "--dps", "localhost:8443");
        assertThat(scope.exit()).isEqualTo(2);
        assertThat(scope.err()).contains("--id-scope");
    }

    @Test
    void controlsComeAsLinesAndEndOfInputShutsTheBoardDown() throws Exception {
        Path link = dir.resolve("tty");
        Result r = run("press A\nreset\nwiggle\nrelease A\n", "--state", state(), "--firmware", BIN, "--map", MAP,
                "--link", link.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Virtual DevKit serial port: " + link + " -> /dev/pts/")
                .contains("ok: press A", "ok: reset", "ok: release A", "Virtual DevKit powered off.");
        assertThat(r.err()).contains("unknown control \"wiggle\"").contains("press A, release A");
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void helpSaysTheBoardStartsPoweredOnAndListsTheControls() {
        Result r = run("", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("starts powered on").contains("press A").contains("power off");
    }
}
