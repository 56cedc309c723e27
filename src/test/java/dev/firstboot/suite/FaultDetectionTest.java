package dev.firstboot.suite;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every fault check can fail: each device defect about faults is caught by the scenario that judges it, with a
 * message that names what the device did wrong. (The same scenarios pass on the reference device:
 * {@link FaultFeaturesRunTest}.)
 */
class FaultDetectionTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} is caught by {1} over {2}")
    @CsvSource(delimiter = '|', value = {
            "ignores-retry-after         | @throttling          | https | after DPS answered HTTP 429 with retry-after 2 at",
            "no-backoff                  | @backoff             | https | the device did not back off: it retried 0.",
            "no-backoff                  | @budget              | https | more than 5; DPS saw",
            "no-backoff                  | @hub-outage          | https | after CONNACK 3 from hub hub-a at",
            "retries-forever             | @budget              | https | the device had not given up within 15 s; it was still trying: DPS saw",
            "accepts-expired-certificate | @expired-certificate | https | the device completed a TLS handshake with DPS's expired certificate at",
            "ignores-retry-after         | @throttling          | mqtt  | after DPS answered HTTP 429 with retry-after 2 at",
            "accepts-expired-certificate | @expired-certificate | mqtt  | the device completed a TLS handshake with DPS's expired certificate at"
    })
    void defectIsCaught(String defect, String tag, String transport, String message) throws Exception {
        Path rig = Runs.embeddedRigWithDefect(dir, defect);
        Files.writeString(rig, Files.readString(rig).replace("  defects:", "  transport: " + transport + "\n  defects:"));
        Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), Optional.of(tag),
                Runs.FEATURES.resolve("faults"));
        assertThat(outcome.summary().scenarios()).as(outcome.output())
                .filteredOn(s -> s.status() != ScenarioStatus.NOT_RUN).singleElement().satisfies(s -> {
            assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
            assertThat(s.message()).contains(message);
        });
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.FAILED);
    }
}
