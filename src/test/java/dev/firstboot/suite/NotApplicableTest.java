package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A scenario that needs what the rig lacks is reported not applicable, with why, and never makes a run pass. */
class NotApplicableTest {
    @TempDir
    Path dir;

    @Test
    void scenarioNeedingATpmIsNotApplicableOnTheEmbeddedRigAndNothingRan() throws Exception {
        Path feature = Files.writeString(dir.resolve("tpm.feature"), """
                @tpm
                Feature: Needs a TPM
                  Scenario: A TPM device registers
                    Given DPS asks devices to retry after 1 second
                """);
        Runs.Outcome outcome = Runs.run("embedded", dir.resolve("reports"), Optional.empty(), feature);
        ScenarioResult r = outcome.scenario("A TPM device registers");
        assertThat(r.status()).isEqualTo(ScenarioStatus.NOT_APPLICABLE);
        assertThat(r.message()).contains("needs @tpm").contains("rig embedded");
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.NOTHING_RAN);
        assertThat(outcome.output()).contains("N/A").contains("needs @tpm").contains("NOTHING RAN");
        assertThat(Files.readString(outcome.runDirectory().resolve("junit.xml"))).contains("<skipped").contains("needs @tpm");
    }

    @Test
    void notApplicableScenariosAreCountedApartFromPassedOnes() throws Exception {
        Path tpm = Files.writeString(dir.resolve("tpm.feature"), """
                @tpm
                Feature: Needs a TPM
                  Scenario: A TPM device registers
                    Given DPS asks devices to retry after 1 second
                """);
        Path plain = Files.writeString(dir.resolve("plain.feature"), """
                Feature: Needs nothing special
                  Scenario: DPS can be told how long devices wait
                    Given DPS asks devices to retry after 2 seconds
                """);
        Runs.Outcome outcome = Runs.run("embedded", dir.resolve("reports"), Optional.empty(), tpm, plain);
        assertThat(outcome.summary().count(ScenarioStatus.PASSED)).isEqualTo(1);
        assertThat(outcome.summary().count(ScenarioStatus.NOT_APPLICABLE)).isEqualTo(1);
        assertThat(outcome.summary().countsLine()).contains("1 passed").contains("1 not applicable");
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.PASSED);
    }
}
