package dev.firstboot.suite;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every check the first-boot features make about a device can fail: each defect switch on the DICE simulator is
 * caught by the scenario that judges it, with a message that names what is wrong, and every other scenario of the
 * same run still passes, except those listed as failing too (fourth column, with why in the comment).
 */
class DetectionPowerTest {
    private static final String REFUSED_WHEREVER_ASSIGNED = "A device with an automatic registration id;"
            + "An enrolled device's first boot shows;Without a device id in the enrollment;"
            + "The device waits as long as DPS asks;A disabled enrollment gives the status disabled;"
            + "The first boot stays within its time budget";
    @TempDir
    Path dir;

    /*
     * Failing too, by their own checks:
     * - wrong-serial, cn-differs-from-registration-id: the enrollments hold the reference certificate, so DPS refuses
     *   the defective one (401002) in every scenario that expects DPS to know it (assigned, or disabled);
     * - no-telemetry: the registry scenario checks the telemetry the hub received too;
     * - connects-after-refusal: every scenario where DPS refuses the device checks that it reaches no hub;
     * - dumps-alias-key-on-failure: the device's boot fails, so it prints its key, in every scenario where DPS
     *   refuses it.
     */
    @ParameterizedTest(name = "{0} is caught by \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "wrong-serial                    | An individually enrolled device | differing fields: serial number: presented 0102030405, reference 0a0b0c0d0e | " + REFUSED_WHEREVER_ASSIGNED,
            "cn-differs-from-registration-id | An individually enrolled device | subject: presented O=DEVKIT_TEST,C=US,CN=firstboot-dice-01-x, reference O=DEVKIT_TEST,C=US,CN=firstboot-dice-01 | " + REFUSED_WHEREVER_ASSIGNED,
            "ignores-retry-after             | The device waits as long as DPS asks | the device did not honour retry-after: it polled | ",
            "slow-boot                       | The first boot stays within its time budget | boot → registration request took 3. | ",
            "no-telemetry                    | An individually enrolled device | hub hub-a received no telemetry from devkit-01 within 5 s | An enrolled device's first boot shows in the registration state",
            "connects-after-refusal          | A device that is not enrolled is refused | expected no hub connection, but firstboot-dice-01 connected to hub | A device enrolled with another device's certificate is refused;A disabled enrollment gives the status disabled",
            "dumps-alias-key-on-failure      | A device that is not enrolled is refused | : \"alias key d=«masked»\", after line | A device enrolled with another device's certificate is refused;A disabled enrollment gives the status disabled"
    })
    void defectIsCaught(String defect, String scenario, String message, String alsoFailing) throws Exception {
        Path rig = Runs.embeddedRigWithDefect(dir, defect);
        // the fault features have their own defects and detection test (FaultDetectionTest)
        Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), Optional.of("not @faults"));
        ScenarioResult judged = outcome.scenario(scenario);
        assertThat(judged.status()).as(outcome.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(outcome.output()).contains("FAIL ").contains("↳ ");
        outcome.onlyTheseFailed(Runs.names(scenario, alsoFailing));
        assertThat(outcome.secrets().leaking()).as("the reports hold no secret, not even one the device printed")
                .isEmpty();
    }
}
