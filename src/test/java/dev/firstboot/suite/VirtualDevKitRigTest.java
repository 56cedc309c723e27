package dev.firstboot.suite;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
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
        outcome = Runs.runAsTheCliDoes("virtual-devkit", reports, Optional.empty());
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

    /**
     * Each defect fails the scenario that judges it, and every other scenario of the same run passes, except those
     * listed as failing too (fifth column), which the defect fails by their own check:
     * <ul>
     * <li>uds-echo-visible: every scenario that types a UDS sees it echoed in clear, which the rule that a device never
     * prints a secret fails (the targeted scenario fails first on the asterisks);</li>
     * <li>wrong-banner: every scenario enters configuration mode, and that step checks the banner;</li>
     * <li>wrong-registration-id, standard-sha256-measurement: "The UDS survives a power cycle" boots again and
     * checks the certificate byte for byte too.</li>
     * </ul>
     */
    @ParameterizedTest(name = "{0} is caught by \"{2}\"")
    @CsvSource(delimiter = '|', value = {
            "uds-echo-visible            | configuration-console.feature | The UDS is echoed as asterisks | expected the console to echo the quoted UDS as 66 asterisks | Firmware from August 2019;A UDS that is not hexadecimal;A UDS of the wrong length",
            "no-invalid-uds-quirk        | configuration-console.feature | says \"Invalid UDS.\" before it accepts | no line matching \"Invalid UDS.\" | ",
            "wrong-banner                | configuration-console.feature | help lists the ten commands | without the DevKit's boot banner | The UDS is echoed as asterisks;Firmware from August 2019;An unknown command;set_dps_uds without a value;A UDS that is not hexadecimal;A UDS of the wrong length",
            "wrong-registration-id       | first-boot.feature | An enrolled DevKit is assigned | reference O=DEVKIT_TEST,C=US,CN=az-a0b1c2d3e4f5v2v0v0 | The UDS survives a power cycle",
            "standard-sha256-measurement | first-boot.feature | An enrolled DevKit is assigned | is not the reference alias certificate | The UDS survives a power cycle",
            "slow-registration           | first-boot.feature | An enrolled DevKit is assigned | boot → registration request took 6. | ",
            "no-hub-line                 | first-boot.feature | An enrolled DevKit is assigned | expected the device to report that it is connected to hub-a.localhost, but it gave no verdict | ",
            "no-failure-line             | first-boot.feature | A DevKit that is not enrolled says registration failed | expected the device to report that registration failed, but it gave no verdict | ",
            "uds-not-persisted           | first-boot.feature | The UDS survives a power cycle | no registration request for az-a0b1c2d3e4f5v2v0v0 within 10 s | ",
            // the private key the harness derived from the UDS it typed: a device that prints it fails, masked
            "alias-key-on-failure        | first-boot.feature | A DevKit that is not enrolled says registration failed | the device printed a secret on its console, line | "
    })
    void devKitDefectIsCaught(String defect, String feature, String scenario, String message, String alsoFailing,
                              @TempDir Path dir) throws Exception {
        Path rig = Runs.virtualDevKitRigWithDefect(dir, defect);
        Runs.Outcome defective = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("devkit").resolve(feature));
        ScenarioResult judged = defective.scenario(scenario);
        assertThat(judged.status()).as(defective.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        if (defect.equals("alias-key-on-failure")) {
            assertThat(judged.message()).contains("DEBUG: alias key «masked»");
        }
        defective.onlyTheseFailed(Runs.names(scenario, alsoFailing));
        assertThat(defective.secrets().leaking()).isEmpty();
    }

    /**
     * A board that prints its UDS anywhere but the echo, whole or in part, fails by the rule that holds for every
     * device: the message names the console line, shown masked, and the line before it. Only the scenarios in which
     * it printed a UDS fail (fourth column); the others pass. The reports hold the UDS, and the part, only masked.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // help, printed on entering configuration mode, shows the UDS stored by an earlier scenario: none is
            // stored before "The UDS is echoed…" types one, so the two scenarios before it pass
            "uds-in-help        | Stored UDS: «masked» | Firmware from August 2019;An unknown command;set_dps_uds without a value;A UDS that is not hexadecimal;A UDS of the wrong length",
            // the log names each UDS typed, so exactly the scenarios that type one fail
            "uds-in-command-log | INFO: Writing UDS «masked» to zone 6. | The UDS is echoed as asterisks;Firmware from August 2019;A UDS that is not hexadecimal;A UDS of the wrong length",
            // 32 of the 64 characters: a part is a leak, and masked as one
            "uds-prefix-leak    | INFO: UDS «masked»... | The UDS is echoed as asterisks;Firmware from August 2019;A UDS that is not hexadecimal;A UDS of the wrong length"
    })
    void aBoardThatPrintsItsUdsFailsOnTheLineItPrintedItAndTheOtherScenariosPass(String defect, String maskedLine,
                                                                                  String failing, @TempDir Path dir)
            throws Exception {
        Path rig = Runs.virtualDevKitRigWithDefect(dir, defect);
        Runs.Outcome defective = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("devkit").resolve("configuration-console.feature"));
        List<String> leaking = Runs.names(failing);
        defective.onlyTheseFailed(leaking);
        for (String name : leaking) {
            assertThat(defective.scenario(name).message()).as(name)
                    .containsPattern("the device printed a secret on its console, line \\d+ ")
                    .contains(": \"" + maskedLine + "\"").contains(", after line ")
                    .contains("16 characters of its hex form or 12 of its base64 form are a leak");
        }
        assertThat(defective.secrets().leaking()).as("report files holding a UDS or a part of one").isEmpty();
        assertThat(defective.secrets().problem()).isEmpty();
    }

}
