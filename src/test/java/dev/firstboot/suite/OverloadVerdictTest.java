package dev.firstboot.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.timeline.HostLagProbe;
import dev.firstboot.timeline.StalledProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A time limit missed while the harness's own threads ran late is no verdict on the device: the same slow device
 * (the DICE simulator's slow-boot defect, 3 s before its first request against a 2 s limit) fails on a host where the
 * harness never ran late, and is inconclusive, an infrastructure failure, on one where its host-lag probe stalled.
 */
class OverloadVerdictTest {
    private static final Path TIME_BUDGET = Runs.FEATURES.resolve("first-boot/x509-individual.feature:65");

    @TempDir
    Path dir;

    @Test
    void aLimitMissedWhileTheHostWasOverloadedIsInconclusiveAndExitsAsAnInfrastructureFailure() throws Exception {
        Path rig = Runs.embeddedRigWithDefect(dir, "slow-boot");
        HostLagProbe[] made = new HostLagProbe[1];
        Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), () -> {
            try {
                return made[0] = StalledProbe.overdueBy(Duration.ofSeconds(1));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, TIME_BUDGET);

        ScenarioResult r = outcome.scenario("The first boot stays within its time budget");
        assertThat(r.status()).as(outcome.output()).isEqualTo(ScenarioStatus.INCONCLUSIVE);
        assertThat(r.message()).startsWith("inconclusive: the host was overloaded (lag ")
                .contains("(it tolerates 250 ms)").containsPattern("more than the \\d+\\.\\d{3} s it was over its limit")
                .contains("What was missed: the boot was too slow: boot → registration request took 3.");
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.RIG_ERROR);
        assertThat(outcome.output()).contains("INCO  ").contains("0 passed, 0 failed, 1 inconclusive (host overloaded)")
                .contains("Result: INCONCLUSIVE");
        assertThat(made[0].running()).as("the run stopped its probe").isFalse();

        JsonNode json = new ObjectMapper().readTree(outcome.runDirectory().resolve("summary.json").toFile());
        assertThat(json.path("exitCode").asInt()).isEqualTo(ExitCodes.RIG_ERROR);
        assertThat(json.path("totals").path("inconclusive").asInt()).isEqualTo(1);
        assertThat(json.path("scenarios").get(0).path("status").asText()).isEqualTo("INCONCLUSIVE");
        assertThat(json.path("hostLagMs").asDouble()).isGreaterThanOrEqualTo(1000);
        String junit = Files.readString(outcome.runDirectory().resolve("junit.xml"));
        assertThat(junit).contains("<error message=\"inconclusive: the host was overloaded").contains("type=\"inconclusive\"")
                .doesNotContain("<failure");
        assertThat(Runs.allureResults(outcome.runDirectory())).contains("\"status\":\"broken\"")
                .contains("inconclusive: the host was overloaded");
    }

    @Test
    void theSameLimitMissedOnAHostThatNeverLaggedIsTheDevicesFailure() throws Exception {
        Path rig = Runs.embeddedRigWithDefect(dir, "slow-boot");
        Runs.Outcome outcome = Runs.run(rig.toString(), dir.resolve("reports"), HostLagProbe::idle, TIME_BUDGET);

        ScenarioResult r = outcome.scenario("The first boot stays within its time budget");
        assertThat(r.status()).as(outcome.output()).isEqualTo(ScenarioStatus.FAILED);
        assertThat(r.message()).startsWith("the boot was too slow: boot → registration request took 3.")
                .doesNotContain("inconclusive");
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(outcome.output()).contains("0 passed, 1 failed, 0 not applicable").contains("Result: FAILED");
    }
}
