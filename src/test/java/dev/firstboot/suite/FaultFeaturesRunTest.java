package dev.firstboot.suite;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault features pass on the reference DICE simulator, registering over HTTPS and over MQTT, selected by their tag
 * from every feature: the scenarios the tag leaves out are no result at all, and the run is green.
 */
class FaultFeaturesRunTest {
    @TempDir
    Path reports;

    @ParameterizedTest(name = "rig {0}")
    @ValueSource(strings = {"embedded", "embedded-mqtt"})
    void everyFaultScenarioPassesOnTheReferenceDevice(String rig) throws Exception {
        Runs.Outcome outcome = Runs.runAsTheCliDoes(rig, reports, Optional.of("@faults"), Runs.FEATURES);
        int selected = Selection.of(Optional.of("@faults"), Optional.empty(), List.of(Runs.FEATURES)).discover().size();
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSize(selected).hasSizeGreaterThanOrEqualTo(8)
                .allSatisfy(s -> {
                    assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED);
                    assertThat(s.location()).contains("/features/faults/");
                });
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.PASSED);
        assertThat(outcome.output()).contains(selected + " passed, 0 failed, 0 not applicable, 0 not run")
                .contains("Result: PASSED");
        String junit = java.nio.file.Files.readString(outcome.runDirectory().resolve("junit.xml"));
        assertThat(junit).contains("tests=\"" + selected + "\"").doesNotContain("<skipped");
        assertThat(outcome.secrets().leaking()).isEmpty();
    }
}
