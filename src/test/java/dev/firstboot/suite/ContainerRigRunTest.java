package dev.firstboot.suite;

import dev.firstboot.Required;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first-boot features on the {@code containers} rig: the DICE simulator against the DPS and hub emulators in a
 * Docker container from the locally built image (scripts/docker-setup.sh). Where no engine or image is available,
 * the tests fail where the test command could set one up, and are skipped with the reason elsewhere, never passed.
 */
class ContainerRigRunTest {
    @TempDir
    static Path reports;
    static Runs.Outcome outcome;

    @BeforeAll
    static void runTheFirstBootFeaturesOnTheContainerRig() throws Exception {
        outcome = Runs.run("containers", reports, Optional.empty(), Runs.FEATURES.resolve("first-boot"));
    }

    /**
     * Fails (where the test command could set up an engine) or skips with the reason when the rig had no engine: a
     * run whose every scenario was not applicable proves nothing about the container rig, so it never counts as a
     * pass. ContainerRigWithoutEngineTest proves that reporting itself.
     */
    private static void requireContainers() {
        String unavailable = "is unavailable here: ";
        Required.check(Required.Component.CONTAINERS, outcome.summary().scenarios().stream()
                .filter(s -> s.status() == ScenarioStatus.NOT_APPLICABLE && s.message().contains(unavailable))
                .map(s -> s.message().substring(s.message().indexOf(unavailable) + unavailable.length()))
                .findFirst());
    }

    @Test
    void everyFirstBootScenarioPassesAgainstTheEmulatorContainer() {
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(8);
        requireContainers();
        assertThat(outcome.summary().scenarios()).allSatisfy(s ->
                assertThat(s.status()).as(s.name() + ": " + s.message() + "\n" + outcome.output())
                        .isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.PASSED);
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @Test
    void theContainersServiceEventsLandOnTheBootTimelineAsPhases() {
        requireContainers();
        ScenarioResult timed = outcome.scenario("stays within its time budget");
        assertThat(timed.measurements()).extracting(m -> m.name())
                .contains("boot → registration request", "registration request → assigned", "assigned → hub connected");
    }
}
