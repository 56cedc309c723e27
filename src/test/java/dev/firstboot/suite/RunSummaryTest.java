package dev.firstboot.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A run whose scenarios all passed still fails when something outside them failed (the end-of-run secret scan). */
class RunSummaryTest {
    private static RunSummary passed() {
        return new RunSummary("run-1", "dev", "embedded", Map.of("rig", "embedded"), Instant.now(),
                Duration.ofSeconds(2), false, List.of(new ScenarioResult("F", "S", "/x/f.feature:3",
                ScenarioStatus.PASSED, Instant.now(), Duration.ofMillis(10), "", "", List.of())), "/x/embedded.yaml");
    }

    private static ScenarioResult result(ScenarioStatus status, String message) {
        return new ScenarioResult("F", "S " + status, "/x/f.feature:" + status.ordinal(), status, Instant.now(),
                Duration.ofMillis(10), message, "", List.of());
    }

    @Test
    void anInconclusiveScenarioExitsAsAnInfrastructureFailureUnlessADeviceFailed() throws Exception {
        ScenarioResult inconclusive = result(ScenarioStatus.INCONCLUSIVE, "inconclusive: the host was overloaded (lag 412 ms): …");
        RunSummary onlyInconclusive = new RunSummary("run-1", "dev", "embedded", Map.of(), Instant.now(),
                Duration.ofSeconds(2), false, List.of(result(ScenarioStatus.PASSED, ""), inconclusive));
        assertThat(onlyInconclusive.exitCode()).isEqualTo(ExitCodes.RIG_ERROR);
        assertThat(onlyInconclusive.countsLine())
                .isEqualTo("1 passed, 0 failed, 1 inconclusive (host overloaded), 0 not applicable, 0 not run");
        RunSummary alsoFailed = new RunSummary("run-1", "dev", "embedded", Map.of(), Instant.now(),
                Duration.ofSeconds(2), false, List.of(result(ScenarioStatus.FAILED, "the boot was too slow: …"), inconclusive));
        assertThat(alsoFailed.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(passed().countsLine()).isEqualTo("1 passed, 0 failed, 0 not applicable, 0 not run");

        JsonNode json = new ObjectMapper().readTree(ReportWriters.summaryJson(onlyInconclusive.withHostLag(Duration.ofMillis(412))));
        assertThat(json.path("hostLagMs").asDouble()).isEqualTo(412.0);
        assertThat(json.path("totals").path("inconclusive").asInt()).isEqualTo(1);
        String junit = ReportWriters.junitXml(onlyInconclusive);
        assertThat(junit).contains("errors=\"1\"").contains("<error message=\"inconclusive: the host was overloaded (lag 412 ms)");
    }

    @Test
    void aProblemFailsAPassedRunAndSummaryJsonSaysWhy() throws Exception {
        RunSummary clean = passed();
        assertThat(clean.exitCode()).isEqualTo(ExitCodes.PASSED);
        assertThat(new ObjectMapper().readTree(ReportWriters.summaryJson(clean)).path("problems").size()).isZero();

        RunSummary failed = clean.withProblem("the secret scan could not read /x/junit.xml (NoSuchFileException)");
        assertThat(failed.exitCode()).isEqualTo(ExitCodes.FAILED);
        JsonNode json = new ObjectMapper().readTree(ReportWriters.summaryJson(failed));
        assertThat(json.path("exitCode").asInt()).isEqualTo(1);
        assertThat(json.path("problems").get(0).asText()).startsWith("the secret scan could not read /x/junit.xml");
        assertThat(json.path("totals").path("passed").asInt()).isEqualTo(1);
    }
}
