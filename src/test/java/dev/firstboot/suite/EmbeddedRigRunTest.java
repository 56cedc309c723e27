package dev.firstboot.suite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The default suite on the default rig: every scenario passes, with progress, reports and evidence. */
class EmbeddedRigRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path reports;
    static Runs.Outcome outcome;

    @BeforeAll
    static void runTheDefaultSuite() throws Exception {
        outcome = Runs.runAsTheCliDoes("embedded", reports, Optional.empty());
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
        long lines = outcome.output().lines().filter(l -> l.matches("\\[\\s*\\d+/\\d+] PASS .* \\(\\d+\\.\\d s\\)")).count();
        assertThat(lines).isEqualTo(outcome.summary().count(ScenarioStatus.PASSED));
        assertThat(outcome.output()).contains(outcome.summary().countsLine()).contains("Result: PASSED")
                .contains("N/A   6 scenarios need @tpm (some also @tpm-faults): run them with --rig tpm-sim")
                .contains("N/A   12 scenarios need @devkit @serial (some also @console): run them with --rig virtual-devkit")
                .contains("N/A   20 scenarios need @hsm (some also @hsm-symmetric-key @hsm-tpm @hsm-x509): run them with 'firstboot certify-hsm")
                .doesNotContain("N/A   First boot").doesNotContain("\u001b[");
        assertThat(outcome.output().lines().count()).as("one screen:\n" + outcome.output()).isLessThanOrEqualTo(34);
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
        String containers = Runs.allureContainers(run);
        assertThat(containers).as("the tear-down hook no longer holds the evidence").doesNotContain("boot timeline");
        for (Path result : results) {
            JsonNode r = JSON.readTree(result.toFile());
            if (!r.path("status").asText().equals("passed")) {
                continue;
            }
            assertThat(r.path("attachments").findValuesAsText("name")).as("the scenario itself carries its evidence")
                    .startsWith("boot timeline", "boot timeline (text)").contains("device console");
            assertThat(r.path("attachments").get(0).path("type").asText()).isEqualTo("image/svg+xml");
            String svg = Files.readString(run.resolve("allure-results").resolve(r.path("attachments").get(0).path("source").asText()));
            assertThat(svg).startsWith("<svg").contains("data-lane=\"device\"").contains("data-lane=\"DPS\"")
                    .contains("data-lane=\"hub\"");
        }
        assertThat(Runs.allureResults(run)).contains("reference certificate").contains("certificates presented to DPS");
    }

    @Test
    void aTimingStepShowsItsMeasurementsWithLimitsAsATableAndTheTimelinePictureDrawsThePhases() throws Exception {
        JsonNode timing = allureResult("The first boot stays within its time budget");
        JsonNode step = null;
        for (JsonNode s : timing.path("steps")) {
            if (s.path("name").asText().contains("the boot phases stay within these limits")) {
                step = s;
            }
        }
        assertThat(step).as("the timing step in " + timing).isNotNull();
        JsonNode table = null;
        for (JsonNode a : step.path("attachments")) {
            if (a.path("name").asText().equals("measurements")) {
                table = a;
            }
        }
        assertThat(table).as("a measurements table on the step").isNotNull();
        assertThat(table.path("type").asText()).isEqualTo("text/csv");
        Path results = outcome.runDirectory().resolve("allure-results");
        String csv = Files.readString(results.resolve(table.path("source").asText()));
        assertThat(csv.lines().findFirst()).contains("measurement,value,limit,unit,margin,outcome");
        assertThat(csv).containsPattern("(?m)^boot → hub connected,\\d+\\.\\d{3},≤ 8,s,-?\\d+\\.\\d{3} s \\(-?\\d+ %\\),PASS$");
        String svg = Files.readString(results.resolve(timing.path("attachments").get(0).path("source").asText()));
        assertThat(svg).contains("data-phase=\"boot → hub connected\"").contains("class=\"limit\"")
                .contains("class=\"measured\"");
    }

    @Test
    void aScenarioThatIsNotApplicableCarriesItsReasonAndNoStackTrace() throws Exception {
        ScenarioResult na = outcome.summary().scenarios().stream()
                .filter(s -> s.status() == ScenarioStatus.NOT_APPLICABLE).findFirst().orElseThrow();
        JsonNode r = allureResult(na.name());
        assertThat(r.path("status").asText()).isEqualTo("skipped");
        assertThat(r.path("statusDetails").path("message").asText()).startsWith("not applicable: needs @");
        assertThat(r.path("statusDetails").has("trace") && !r.path("statusDetails").path("trace").isNull())
                .as("no stack trace in " + r.path("statusDetails")).isFalse();
        assertThat(Runs.allureContainers(outcome.runDirectory())).as("nor on the hook that decided it")
                .doesNotContain("NotApplicableException");
    }

    private JsonNode allureResult(String name) throws IOException {
        try (Stream<Path> files = Files.list(outcome.runDirectory().resolve("allure-results"))) {
            JsonNode found = null;
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith("-result.json")).toList()) {
                JsonNode r = JSON.readTree(p.toFile());
                // other features have scenarios of the same name that do not apply to this rig: the one that ran wins
                if (r.path("name").asText().equals(name) && (found == null || r.path("status").asText().equals("passed"))) {
                    found = r;
                }
            }
            if (found != null) {
                return found;
            }
        }
        throw new AssertionError("no Allure result named " + name);
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
