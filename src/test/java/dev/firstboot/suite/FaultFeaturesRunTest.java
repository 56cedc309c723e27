package dev.firstboot.suite;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The fault features pass on the reference DICE simulator, registering over HTTPS and over MQTT. */
class FaultFeaturesRunTest {
    @TempDir
    Path reports;

    @ParameterizedTest(name = "rig {0}")
    @ValueSource(strings = {"embedded", "embedded-mqtt"})
    void everyFaultScenarioPassesOnTheReferenceDevice(String rig) throws Exception {
        Runs.Outcome outcome = Runs.run(rig, reports, Optional.empty(), Runs.FEATURES.resolve("faults"));
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(8)
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message())
                        .isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.secrets().leaking()).isEmpty();
    }
}
