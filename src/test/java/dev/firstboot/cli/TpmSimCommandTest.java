package dev.firstboot.cli;

import dev.firstboot.Required;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code firstboot tpm-sim} prints what a person needs to enroll the TPM, keeps the EK across restarts, and stops. */
class TpmSimCommandTest {
    @TempDir
    Path dir;

    private String run() {
        TpmSimCommand command = new TpmSimCommand();
        command.lifetime = new ByteArrayInputStream(new byte[0]);
        CommandLine cl = new CommandLine(command);
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        assertThat(cl.execute("--state", dir.toString())).as(out.toString()).isZero();
        return out.toString();
    }

    @Test
    void printsTheEndorsementKeyAndItsRegistrationIdAndKeepsThemAcrossRestarts() {
        Required.swtpm();
        String first = run();
        assertThat(first).containsPattern("Registration id: [a-z2-7]{52}\\n")
                .contains("Endorsement key (TPM2B_PUBLIC, base64").contains("TPM2TOOLS_TCTI=\"swtpm:host=127.0.0.1,port=")
                .contains("TPM simulator stopped.");
        String second = run();
        assertThat(line(second, "Registration id:")).isEqualTo(line(first, "Registration id:"));
    }

    private static String line(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst().orElse("");
    }
}
