package dev.firstboot.suite;

import dev.firstboot.rig.RigFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** With --fail-fast, the first failure stops the run: later scenarios are reported not run, and the run fails. */
class FailFastTest {
    @TempDir
    Path dir;

    @Test
    void scenariosAfterTheFirstFailureAreNotRun() throws Exception {
        Path rig = Runs.embeddedRigWithDefect(dir, "wrong-serial");
        StringWriter text = new StringWriter();
        SuiteRunner runner = new SuiteRunner(new RigFiles(Runs.RIGS), new PrintWriter(text, true));
        RunSummary summary = runner.run(new SuiteRunner.Options(rig.toString(), Optional.empty(),
                List.of(Runs.FEATURES.resolve("first-boot/x509-individual.feature")), dir.resolve("reports"), 1, true));
        assertThat(summary.scenarios().get(0).status()).as(text.toString()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(summary.scenarios().subList(1, summary.scenarios().size()))
                .allSatisfy(s -> {
                    assertThat(s.status()).isEqualTo(ScenarioStatus.NOT_RUN);
                    assertThat(s.message()).contains("--fail-fast");
                });
        assertThat(summary.exitCode()).isEqualTo(ExitCodes.FAILED);
    }
}
