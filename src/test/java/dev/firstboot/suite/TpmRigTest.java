package dev.firstboot.suite;

import dev.firstboot.Required;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TPM features on a real TPM 2.0 (swtpm) against our DPS emulator's TPM attestation: all pass for a conforming
 * device, and each TPM defect is caught by the scenario that judges it while the other scenarios of the same run
 * pass, except those listed as failing too (fourth column, with why in the comment).
 */
class TpmRigTest {
    @TempDir
    static Path reports;
    static Runs.Outcome outcome;

    @BeforeAll
    static void runTheTpmFeatures() throws Exception {
        Required.swtpm();
        outcome = Runs.runAsTheCliDoes("tpm-sim", reports, Optional.empty(), Runs.FEATURES.resolve("tpm"));
    }

    @Test
    void everyTpmScenarioPassesOnSwtpm() {
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(6)
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @Test
    void phaseTimingsOfTheChallengeAreRecordedAsMeasurements() {
        ScenarioResult r = outcome.scenario("answers the challenge");
        assertThat(r.measurements()).extracting(m -> m.name())
                .contains("registration request → challenge", "challenge → activated", "activated → assigned");
    }

    /*
     * Failing too, by their own checks:
     * - registration-id-without-size-prefix: the device registers under an id no enrollment has, so every scenario
     *   that waits for DPS to see it under the id derived from its EK fails;
     * - wrong-sas-key: DPS refuses the clock-behind device's SAS for its signature, not for its expiry, and a device
     *   DPS never assigned never reaches the hub whose refusal is judged.
     */
    @ParameterizedTest(name = "{0} is caught by \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "registration-id-without-size-prefix | The registration id is the one derived | but the id derived from its endorsement key | answers the challenge;An endorsement key that is not enrolled;A tampered activation blob;A device whose clock is behind;The hub refuses a SAS",
            "endless-activation-retries          | A tampered activation blob | before it gave up; it must stop after 3 | ",
            "slow-activation                     | answers the challenge | challenge → activated took 4. | ",
            "no-hub-key-activation               | answers the challenge | refused the connection with CONNACK return code 5 | ",
            "wrong-sas-key                       | answers the challenge | but DPS answered HTTP 401 errorCode 401002 | A device whose clock is behind;The hub refuses a SAS",
            "ignores-retry-after                 | answers the challenge | the device did not honour retry-after | "
    })
    void tpmDefectIsCaught(String defect, String scenario, String message, String alsoFailing, @TempDir Path dir)
            throws Exception {
        Path rig = Runs.tpmRigWithDefect(dir, defect);
        Runs.Outcome defective = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("tpm"));
        ScenarioResult judged = defective.scenario(scenario);
        assertThat(judged.status()).as(defective.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        defective.onlyTheseFailed(Runs.names(scenario, alsoFailing));
    }
}
