package dev.firstboot.device.devkit;

import dev.firstboot.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** devkit-sim's help names every defect the virtual DevKit has, so the help cannot drift from the code. */
class DevKitDefectNamesTest {
    @Test
    void devkitSimHelpListsEveryDefect() {
        StringWriter out = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.execute("devkit-sim", "--help");
        String help = out.toString().replaceAll("\\s+", " ");
        Arrays.stream(DevKitDefect.values()).forEach(d -> assertThat(help).contains(d.configName()));
    }
}
