package dev.firstboot.suite;

import dev.firstboot.cli.EmulatorProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first-boot features with the DICE simulator against a separate {@code firstboot emulator} process on a random
 * 127.x.y.z, through the {@code emulator} backend: enrollments over the service API, the hub connects and timings
 * from the event stream. Its hub keeps the default kind of name ({@code hub-a.localhost}), which the backend
 * reaches at the DPS host.
 */
class EmulatorBackendRunTest {
    @TempDir
    Path dir;

    @Test
    void everyFirstBootScenarioPassesAgainstARunningEmulator() throws Exception {
        SecureRandom random = new SecureRandom();
        String ip = "127." + (1 + random.nextInt(250)) + "." + random.nextInt(256) + "." + (2 + random.nextInt(250));
        Path config = Files.writeString(dir.resolve("emulator.yaml"), """
                host: %s
                bind: %s
                dps-https: 0
                dps-mqtt: 0
                hubs:
                  - {name: hub-a, host: hub-a.localhost, port: 0}
                  - {name: hub-b, host: hub-b.localhost, port: 0}
                """.formatted(ip, ip));
        EmulatorProcess emulator = EmulatorProcess.started(dir, "--config", config.toString());
        try {
            Map<String, String> printed = emulator.lines();
            Path rig = Files.writeString(dir.resolve("remote.yaml"), """
                    name: remote-emulator
                    backend:
                      kind: emulator
                      dps: %s
                      ca-certificate: %s
                      service-connection-string-file: %s
                    device:
                      kind: dice-simulator
                      firmware:
                        bin: %s
                        map: %s
                    controls:
                      kind: none
                    """.formatted(printed.get("dps-https"), printed.get("ca-certificate"), Files.writeString(
                            dir.resolve("service.txt"), printed.get("service-connection-string")),
                    Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map")));
            Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), Optional.empty(),
                    Runs.FEATURES.resolve("first-boot"));
            assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSizeGreaterThanOrEqualTo(8)
                    .allSatisfy(s -> assertThat(s.status()).as(s.name() + ": " + s.message())
                            .isEqualTo(ScenarioStatus.PASSED));
            assertThat(outcome.scenario("stays within its time budget").measurements()).extracting(m -> m.name())
                    .contains("boot → registration request", "registration request → assigned",
                            "assigned → hub connected");
            assertThat(outcome.secrets().leaking()).isEmpty();
            assertThat(outcome.output()).doesNotContain(printed.get("service-connection-string"));
        } finally {
            emulator.terminate();
        }
    }
}
