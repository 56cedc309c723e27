package dev.firstboot.suite;

import dev.firstboot.timeline.EventKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The first-boot features on rig embedded-mqtt: the DICE simulator registers over DPS's MQTT API, and all pass. */
class DpsMqttFirstBootRunTest {
    @TempDir
    Path reports;

    @Test
    void everyFirstBootScenarioPassesWithTheDeviceRegisteringOverMqtt() throws Exception {
        Runs.Outcome outcome = Runs.run("embedded-mqtt", reports, Optional.empty(), Runs.FEATURES.resolve("first-boot"));
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(7)
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message())
                        .isEqualTo(ScenarioStatus.PASSED));
        assertThat(outcome.summary().labels()).containsEntry("transport", "mqtt");
        String allure = Runs.allureResults(outcome.runDirectory());
        assertThat(allure).as("the boot timelines show the device's requests arriving over MQTT")
                .isNotEmpty();
        try (var files = Files.walk(outcome.runDirectory())) {
            String timelines = files.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .map(p -> {
                        try {
                            return Files.readString(p);
                        } catch (java.io.IOException e) {
                            return "";
                        }
                    }).filter(t -> t.contains("# boot timeline")).reduce("", String::concat);
            assertThat(timelines).contains(EventKind.DPS_CONNECT.name()).contains("transport=mqtt")
                    .doesNotContain("transport=https");
        }
    }
}
