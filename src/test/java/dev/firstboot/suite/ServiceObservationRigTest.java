package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A backend that offers only service observations (the registration state, the hub's registry), as a real DPS does:
 * the outcome judges still decide, a scenario that needs wire evidence is not applicable with the reason, and a
 * scenario that reads wire evidence without saying so fails on every rig.
 */
class ServiceObservationRigTest {
    private static final Path FEATURE = Runs.FEATURES.resolve("first-boot/x509-individual.feature");

    @TempDir
    Path dir;

    private Path rig(String defects) throws Exception {
        Path file = dir.resolve("service-only.yaml");
        Files.writeString(file, """
                name: service-only
                backend:
                  kind: embedded
                  retry-after: 1s
                  hubs: [hub-a, hub-b]
                  wire-evidence: false
                device:
                  kind: dice-simulator
                  firmware:
                    bin: %s
                    map: %s
                  registration-budget: 8s
                  defects: [%s]
                """.formatted(Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map"), defects));
        return file;
    }

    @Test
    void outcomesAreJudgedFromServiceObservationsAndWireScenariosAreNotApplicable() throws Exception {
        Path untagged = dir.resolve("untagged.feature");
        Files.writeString(untagged, """
                @x509 @dice
                Feature: A feature that forgot its wire tag
                  Scenario: A retry-after check without @wire
                    Given the device has a fresh UDS
                    And the device's registration id is "firstboot-dice-09"
                    And the device's reference certificate is individually enrolled for hub "hub-a"
                    When the device boots
                    Then within 10 seconds the device is assigned to hub "hub-a"
                    And the device waited at least as long as DPS asked before every status poll
                """);
        Runs.Outcome outcome = Runs.run(rig("").toString(), dir.resolve("reports"), Optional.empty(), FEATURE,
                untagged);
        for (String passes : new String[] {"shows in the registration state and the hub's registry",
                "Without a device id in the enrollment", "A disabled enrollment gives the status disabled"}) {
            ScenarioResult s = outcome.scenario(passes);
            assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED);
        }
        ScenarioResult wire = outcome.scenario("An individually enrolled device is assigned to its hub");
        assertThat(wire.status()).isEqualTo(ScenarioStatus.NOT_APPLICABLE);
        assertThat(wire.message()).contains("needs @wire, which rig service-only does not have (it has ");
        assertThat(outcome.scenario("A device that is not enrolled is refused").status())
                .isEqualTo(ScenarioStatus.NOT_APPLICABLE);
        ScenarioResult forgot = outcome.scenario("A retry-after check without @wire");
        assertThat(forgot.status()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(forgot.message()).contains("this step judges the time of each status poll after DPS's retry-after, "
                + "which is wire evidence that only an emulator backend records; tag the scenario @wire");
    }

    @Test
    void aDeviceThatSendsNoTelemetryIsCaughtFromTheHubAloneAndTheOtherScenariosStillPass() throws Exception {
        Runs.Outcome outcome = Runs.run(rig("no-telemetry").toString(), dir.resolve("reports"), Optional.empty(),
                FEATURE);
        ScenarioResult judged = outcome.scenario("shows in the registration state and the hub's registry");
        assertThat(judged.status()).as(outcome.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(judged.message()).contains("hub hub-a received no telemetry from devkit-02 within 5 s");
        for (String passes : new String[] {"Without a device id in the enrollment",
                "A disabled enrollment gives the status disabled"}) {
            ScenarioResult s = outcome.scenario(passes);
            assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED);
        }
    }
}
