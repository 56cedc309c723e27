package dev.firstboot.suite;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole suite through a real pty and jSerialComm on the virtual DevKit: the console features and the same
 * first-boot features the DICE simulator passes. Each DevKit defect is caught by the scenario that judges it.
 */
class VirtualDevKitRigTest {
    @TempDir
    static Path reports;
    static Runs.Outcome outcome;

    @BeforeAll
    static void runEverythingOnTheVirtualDevKit() throws Exception {
        outcome = Runs.run("virtual-devkit", reports, Optional.empty());
    }

    @Test
    void everyScenarioPassesIncludingTheConsoleAndDevKitOnes() {
        assertThat(outcome.summary().scenarios()).as(outcome.output())
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.summary().scenarios()).extracting(ScenarioResult::feature)
                .contains("The DevKit's configuration console takes the UDS as the firmware documents it",
                        "A DevKit's first boot over its serial console",
                        "First boot with a DICE identity and an individual X.509 enrollment");
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @Test
    void theSerialLogIsAttachedMaskedAndTimestamped() throws Exception {
        String containers = Runs.allureContainers(outcome.runDirectory());
        assertThat(containers).contains("device console");
        assertThat(outcome.secrets().secretsChecked()).isPositive();
    }

    @ParameterizedTest(name = "{0} is caught by \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "uds-echo-visible      | The UDS is echoed as asterisks | expected the console to echo the UDS as 64 asterisks",
            "no-invalid-uds-quirk  | says \"Invalid UDS.\" before it accepts | no line matching /\\QInvalid UDS.\\E/",
            "wrong-registration-id | An enrolled DevKit is assigned | reference O=DEVKIT_TEST,C=US,CN=az-a0b1c2d3e4f5v2v0v0"
    })
    void devKitDefectIsCaught(String defect, String scenario, String message, @TempDir Path dir) throws Exception {
        Path rig = Runs.virtualDevKitRigWithDefect(dir, defect);
        Runs.Outcome defective = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("devkit"));
        ScenarioResult judged = defective.scenario(scenario);
        assertThat(judged.status()).as(defective.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        assertThat(defective.secrets().leaking()).isEmpty();
    }
}
