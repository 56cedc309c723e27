package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The symmetric-key features pass with the key device registering over MQTT, its SAS the CONNECT password. */
class DpsMqttSymmetricKeyRunTest {
    @TempDir
    Path dir;

    @Test
    void everySymmetricKeyScenarioPassesOverMqtt() throws Exception {
        Path rig = dir.resolve("symmetric-key-mqtt.yaml");
        Files.writeString(rig, """
                name: symmetric-key-mqtt
                backend:
                  kind: embedded
                  retry-after: 1s
                  hubs: [hub-a, hub-b]
                device:
                  kind: symmetric-key-simulator
                  registration-id: symmetric-key-device-01
                  transport: mqtt
                """);
        Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                Runs.FEATURES.resolve("symmetric-key"));
        assertThat(outcome.summary().scenarios()).as(outcome.output()).isNotEmpty()
                .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message())
                        .isEqualTo(ScenarioStatus.PASSED));
    }
}
