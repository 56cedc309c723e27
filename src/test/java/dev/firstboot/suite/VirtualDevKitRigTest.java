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
        assertThat(outcome.summary().scenarios()).as(outcome.output()).allSatisfy(s -> {
            if (s.location().contains("/features/tpm/") || s.location().contains("/features/symmetric-key/")
                    || s.location().contains("/features/identity/")
                    || s.location().contains("/features/hsm/")) {
                assertThat(s.status()).isEqualTo(ScenarioStatus.NOT_APPLICABLE);
            } else {
                assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED);
            }
        });
        assertThat(outcome.summary().scenarios()).extracting(ScenarioResult::feature)
                .contains("The DevKit's configuration console takes the UDS as the firmware documents it",
                        "A DevKit's first boot over its serial console",
                        "First boot with a DICE identity and an individual X.509 enrollment");
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @Test
    void theSerialLogIsAttachedMaskedAndTimestamped() throws Exception {
        String containers = Runs.allureResults(outcome.runDirectory());
        assertThat(containers).contains("device console");
        assertThat(outcome.secrets().secretsChecked()).isPositive();
    }

    @ParameterizedTest(name = "{0} is caught by \"{2}\"")
    @CsvSource(delimiter = '|', value = {
            "uds-echo-visible            | configuration-console.feature | The UDS is echoed as asterisks | expected the console to echo the quoted UDS as 66 asterisks",
            "no-invalid-uds-quirk        | configuration-console.feature | says \"Invalid UDS.\" before it accepts | no line matching /\\QInvalid UDS.\\E/",
            "wrong-banner                | configuration-console.feature | help lists the ten commands | without the DevKit's boot banner",
            "wrong-registration-id       | first-boot.feature | An enrolled DevKit is assigned | reference O=DEVKIT_TEST,C=US,CN=az-a0b1c2d3e4f5v2v0v0",
            "standard-sha256-measurement | first-boot.feature | An enrolled DevKit is assigned | is not the reference alias certificate",
            "slow-registration           | first-boot.feature | An enrolled DevKit is assigned | boot → registration request took 6.",
            "no-hub-line                 | first-boot.feature | An enrolled DevKit is assigned | expected the device to report that it is connected to hub-a.localhost, but it gave no verdict",
            "no-failure-line             | first-boot.feature | A DevKit that is not enrolled says registration failed | expected the device to report that registration failed, but it gave no verdict",
            "uds-not-persisted           | first-boot.feature | The UDS survives a power cycle | no registration request for az-a0b1c2d3e4f5v2v0v0 within 10 s"
    })
    void devKitDefectIsCaught(String defect, String feature, String scenario, String message, @TempDir Path dir)
            throws Exception {
        Path rig = Runs.virtualDevKitRigWithDefect(dir, defect);
        Runs.Outcome defective = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("devkit").resolve(feature));
        ScenarioResult judged = defective.scenario(scenario);
        assertThat(judged.status()).as(defective.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        assertThat(defective.secrets().leaking()).isEmpty();
    }
}
