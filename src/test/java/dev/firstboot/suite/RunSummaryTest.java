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
