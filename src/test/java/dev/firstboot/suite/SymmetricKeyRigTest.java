package dev.firstboot.suite;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The symmetric-key features on the symmetric-key rig against our DPS emulator: all pass for a conforming device, and
 * each device defect is caught by the scenario that judges it while the other scenarios of the same run pass, except
 * those listed as failing too (fourth column, with why in the comment).
 */
class SymmetricKeyRigTest {
    @TempDir
    static Path reports;
    static Runs.Outcome outcome;

    @BeforeAll
    static void runTheSymmetricKeyFeatures() throws Exception {
        outcome = Runs.run("symmetric-key", reports, Optional.empty(), Runs.FEATURES.resolve("symmetric-key"));
    }

    @Test
    void everySymmetricKeyScenarioPasses() {
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
    }

    @Test
    void noKeyLeaksIntoTheReports() {
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    /*
     * Failing too, by their own checks:
     * - raw-group-key: DPS refuses the SAS signed with the group key itself before it reads the group's state, so the
     *   disabled group's device gets 401002, not "disabled";
     * - hub-sas-with-key-name: every scenario in which the device connects to a hub fails at the hub;
     * - prints-derived-key, prints-sas-signature: a device of a disabled group derives its key and signs with it too.
     *   The signature is printed before it is sent, so the harness knows it only from DPS's side of the wire.
     */
    @ParameterizedTest(name = "{0} is caught by \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "raw-group-key            | A device of an enrollment group is assigned | but DPS answered HTTP 401 errorCode 401002 | A device of a disabled enrollment group",
            "hub-sas-with-key-name    | An individually enrolled device is assigned | refused kitchen-sensor with CONNACK return code 5 | A device of an enrollment group is assigned;The first boot stays within its time budget",
            "prints-derived-key       | A device of an enrollment group is assigned | : \"derived device key «masked»\", after line 1: \"symmetric-key device booting | A device of a disabled enrollment group",
            "prints-sas-signature     | A device of an enrollment group is assigned | : \"registering with signature «masked»\", after line | A device of a disabled enrollment group"
    })
    void deviceDefectIsCaught(String defect, String scenario, String message, String alsoFailing, @TempDir Path dir)
            throws Exception {
        Path rig = dir.resolve("symmetric-key-" + defect + ".yaml");
        Files.writeString(rig, """
                name: symmetric-key-%1$s
                backend:
                  kind: embedded
                  retry-after: 1s
                  hubs: [hub-a, hub-b]
                device:
                  kind: symmetric-key-simulator
                  defects: [%1$s]
                """.formatted(defect));
        Runs.Outcome defective = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("symmetric-key"));
        ScenarioResult judged = defective.scenario(scenario);
        assertThat(judged.status()).as(defective.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains(message);
        defective.onlyTheseFailed(Runs.names(scenario, alsoFailing));
        assertThat(defective.secrets().leaking()).isEmpty();
    }
}
