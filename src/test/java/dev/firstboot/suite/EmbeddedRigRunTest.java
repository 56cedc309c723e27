package dev.firstboot.suite;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The default suite on the default rig: every scenario passes, with progress, reports and evidence. */
class EmbeddedRigRunTest {
    @TempDir
    static Path reports;
    static Runs.Outcome outcome;

    @BeforeAll
    static void runTheDefaultSuite() throws Exception {
        outcome = Runs.run("embedded", reports, Optional.empty());
    }

    @Test
    void everyScenarioThatAppliesPassesAndTheDevKitOnesAreNotApplicable() {
        assertThat(outcome.summary().scenarios()).as(outcome.output()).allSatisfy(s -> {
            if (s.location().contains("/features/devkit/") || s.location().contains("/features/tpm/")
                    || s.location().contains("/features/symmetric-key/")
                    || s.location().contains("/features/identity/") || s.location().contains("/features/hsm/")) {
                assertThat(s.status()).isEqualTo(ScenarioStatus.NOT_APPLICABLE);
                assertThat(s.message()).contains("needs @").contains("rig embedded");
            } else {
                assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED);
            }
        });
        assertThat(outcome.summary().count(ScenarioStatus.PASSED)).isGreaterThanOrEqualTo(8);
        assertThat(outcome.summary().exitCode()).isEqualTo(ExitCodes.PASSED);
    }

    @Test
    void progressShowsOneLinePerScenarioAndASummary() {
        long lines = outcome.output().lines().filter(l -> l.matches("\\[\\s*\\d+/\\d+] (PASS|N/A ) .* \\(\\d+\\.\\d s\\)")).count();
        assertThat(lines).isEqualTo(outcome.summary().scenarios().size());
        assertThat(outcome.output()).contains(outcome.summary().countsLine()).contains("Result: PASSED");
    }

    @Test
    void reportsHoldSummaryJunitAndAllureResultsWithLabelsAndEvidence() throws Exception {
        Path run = outcome.runDirectory();
        assertThat(run.resolve("summary.json")).exists();
        assertThat(Files.readString(run.resolve("junit.xml"))).contains("<testsuite").contains("tests=\"" + outcome.summary().scenarios().size() + "\"");
        List<Path> results;
        try (Stream<Path> files = Files.list(run.resolve("allure-results"))) {
            results = files.filter(p -> p.getFileName().toString().endsWith("-result.json")).toList();
        }
        assertThat(results).hasSize(outcome.summary().scenarios().size());
        String first = Files.readString(results.get(0)).replace(" ", "");
        assertThat(first).contains("\"name\":\"rig\",\"value\":\"embedded\"").contains("\"name\":\"device\",\"value\":\"dice-simulator\"")
                .containsPattern("\"name\":\"firmware\",\"value\":\"[0-9a-f]{64}\"");
        StringBuilder containers = new StringBuilder();
        try (Stream<Path> files = Files.list(run.resolve("allure-results"))) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith("-container.json")).toList()) {
                containers.append(Files.readString(p));
            }
        }
        assertThat(containers).as("the scenario's tear-down carries the evidence")
                .contains("boot timeline").contains("device console").contains("certificates presented to DPS")
                .contains("reference certificate");
    }

    @Test
    void timingScenarioRecordsMeasurementsWithLimits() {
        ScenarioResult timing = outcome.scenario("The first boot stays within its time budget");
        assertThat(timing.measurements()).extracting(m -> m.name())
                .contains("boot → registration request", "registration request → assigned", "assigned → hub connected",
                        "boot → hub connected");
        assertThat(timing.measurements()).allSatisfy(m -> assertThat(m.unit()).isEqualTo("s"));
    }

    @Test
    void noSecretReachesAnyReportFile() {
        assertThat(outcome.secrets().secretsChecked()).as("the run registered the UDS values it wrote").isPositive();
        assertThat(outcome.secrets().leaking()).isEmpty();
        assertThat(outcome.output()).doesNotContain("BUG: a secret");
    }
}
