package dev.firstboot.suite;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first-boot features on the {@code containers} rig: the DICE simulator against the DPS and hub emulators in a
 * Docker container from the locally built image (scripts/docker-setup.sh). Where no engine or image is available,
 * every scenario must be reported not applicable with the reason, never passed.
 */
class ContainerRigRunTest {
    @TempDir
    static Path reports;
    static Runs.Outcome outcome;

    @BeforeAll
    static void runTheFirstBootFeaturesOnTheContainerRig() throws Exception {
        outcome = Runs.run("containers", reports, Optional.empty(), Runs.FEATURES.resolve("first-boot"));
    }

    private static boolean containersUnavailable() {
        return outcome.summary().scenarios().stream().anyMatch(s -> s.status() == ScenarioStatus.NOT_APPLICABLE
                && s.message().contains("is unavailable here"));
    }

    @Test
    void everyFirstBootScenarioPassesAgainstTheEmulatorContainer() {
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(8);
        if (containersUnavailable()) {
            assertThat(ContainersRequired.reason()).as("the test command could set up a Docker engine here, so the "
                    + "container rig must run for real; see scripts/docker-setup.sh's output").isEmpty();
            assertThat(outcome.summary().scenarios()).allSatisfy(s -> {
                assertThat(s.status()).isEqualTo(ScenarioStatus.NOT_APPLICABLE);
                assertThat(s.message()).contains("is unavailable here");
            });
            assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.NOTHING_RAN);
            return;
        }
        assertThat(outcome.summary().scenarios()).allSatisfy(s ->
                assertThat(s.status()).as(s.name() + ": " + s.message() + "\n" + outcome.output())
                        .isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.PASSED);
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @Test
    void theContainersServiceEventsLandOnTheBootTimelineAsPhases() {
        if (containersUnavailable()) {
            return;
        }
        ScenarioResult timed = outcome.scenario("stays within its time budget");
        assertThat(timed.measurements()).extracting(m -> m.name())
                .contains("boot → registration request", "registration request → assigned", "assigned → hub connected");
    }
}
