package dev.firstboot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code run --rerun-failed} runs again exactly the scenarios that failed (or were inconclusive), on the rig they
 * failed on; {@code --junit} and {@code --json} write the reports where asked; {@code list} and {@code --dry-run}
 * start nothing.
 */
class RerunFailedTest {
    @TempDir
    Path dir;

    static List<String> failedLocations(JsonNode summary) {
        List<String> out = new ArrayList<>();
        summary.path("scenarios").forEach(s -> {
            if (s.path("status").asText().equals("FAILED")) {
                out.add(s.path("location").asText());
            }
        });
        return out;
    }

    @Test
    void aRerunTakesTheInconclusiveScenariosWithTheFailedOnes() throws Exception {
        Path run = Files.createDirectories(dir.resolve("reports/20261202-010203-abcd"));
        Files.writeString(run.resolve("summary.json"), """
                {"runId": "20261202-010203-abcd", "rig": "embedded", "rigFile": "", "scenarios": [
                  {"status": "PASSED", "location": "/f/a.feature:3"},
                  {"status": "FAILED", "location": "/f/a.feature:9"},
                  {"status": "INCONCLUSIVE", "location": "/f/b.feature:12"},
                  {"status": "NOT_APPLICABLE", "location": "/f/c.feature:4"}]}
                """);
        Rerun rerun = Rerun.of(dir.resolve("reports"), "");
        assertThat(rerun.failed()).containsExactly(Path.of("/f/a.feature:9"), Path.of("/f/b.feature:12"));
        assertThat(rerun.rig()).isEqualTo("embedded");
    }

    @Test
    void aRerunRunsExactlyTheFailuresOfTheNewestRunOrOfTheRunNamed() throws Exception {
        Path rig = Runs.embeddedRigWithDefect(dir, "slow-boot");
        Path reports = dir.resolve("reports");
        Path feature = Runs.FEATURES.resolve("first-boot/x509-individual.feature");
        Path junit = dir.resolve("out/junit.xml");
        Path json = dir.resolve("out/summary.json");
        CliTest.Result first = CliTest.run("run", "--rig", rig.toString(), "--features", feature.toString(),
                "--report", reports.toString(), "--junit", junit.toString(), "--json", json.toString());
        assertThat(first.exit()).as(first.out() + first.err()).isEqualTo(1);
        JsonNode firstSummary = new ObjectMapper().readTree(json.toFile());
        assertThat(Files.readString(junit)).contains("<testsuites").contains("<failure");
        List<String> failed = failedLocations(firstSummary);
        assertThat(failed).as(first.out()).containsExactly(feature + ":65");
        assertThat(firstSummary.path("scenarios").size()).isGreaterThan(failed.size());

        // the newest run, on the rig it ran on (the defect is still there, so it fails again)
        CliTest.Result again = CliTest.run("run", "--rerun-failed", "--report", reports.toString());
        assertThat(again.exit()).as(again.out() + again.err()).isEqualTo(1);
        assertThat(again.out()).contains("Rerunning the 1 failed scenario of run " + firstSummary.path("runId").asText())
                .contains("0 passed, 1 failed, 0 not applicable, 0 not run").contains("on rig embedded-slow-boot");

        // a named run, on a rig without the defect: the failure is gone
        CliTest.Result fixed = CliTest.run("run", "--rerun-failed", firstSummary.path("runId").asText(), "--rig",
                "embedded", "--report", reports.toString());
        assertThat(fixed.exit()).as(fixed.out() + fixed.err()).isZero();
        assertThat(fixed.out()).contains("1 passed, 0 failed, 0 not applicable, 0 not run").contains("Result: PASSED");

        CliTest.Result nothing = CliTest.run("run", "--rerun-failed", "--report", reports.toString());
        assertThat(nothing.exit()).isEqualTo(3);
        assertThat(nothing.out()).contains("has no failed scenarios; nothing to rerun");
        assertThat(CliTest.run("run", "--rerun-failed", "no-such-run", "--report", reports.toString()).exit()).isEqualTo(2);
    }

    @Test
    void listAndDryRunShowWhatWouldRunAndWhyTheRestDoesNotWithoutStartingTheRig() {
        CliTest.Result list = CliTest.run("list", "--features", Runs.FEATURES.toString());
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).startsWith("Rig embedded @dice @faults @mqtt @wire @x509: ")
                .contains("Would run:\n").contains("\n  features/first-boot/x509-individual.feature:13  First boot with a DICE identity")
                .contains("Not applicable: 4 scenarios need @tpm: run them with --rig tpm-sim")
                .contains("(needs @tpm, which rig embedded does not have")
                .contains("features/tpm/tpm-attestation.feature:8")
                .doesNotContain("Starting the rig");
        CliTest.Result tpm = CliTest.run("list", "--rig", "tpm-sim", "--tags", "@tpm");
        assertThat(tpm.out()).contains("6 scenarios would run, 0 not applicable");
        CliTest.Result dry = CliTest.run("run", "--dry-run", "--tags", "@devkit", "--report", dir.toString());
        assertThat(dry.exit()).isEqualTo(3);
        assertThat(dry.out()).contains("0 scenarios would run").contains("run them with --rig virtual-devkit");
        assertThat(dir).isEmptyDirectory();
        assertThat(CliTest.run("list", "--tags", "@a and").exit()).isEqualTo(2);
    }
}
