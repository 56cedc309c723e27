package dev.firstboot.cli;

import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code firstboot report} turns a run's Allure results into HTML with the Allure command line the build unpacked
 * (target/allure/), never downloading anything.
 */
class ReportCommandTest {
    @TempDir
    Path dir;

    @Test
    void newestRunBecomesAnHtmlReport() throws Exception {
        Path feature = plainFeature();
        Runs.Outcome outcome = Runs.run("embedded", dir.resolve("reports"), Optional.empty(), feature);
        CliTest.Result r = CliTest.run("report", "--report", dir.resolve("reports").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(outcome.runDirectory().resolve("html/index.html")).exists();
        assertThat(r.out()).contains("HTML report: " + outcome.runDirectory().resolve("html/index.html"));
    }

    @Test
    void singleFileReportOpensWithoutAServerAndItsHistoryCarriesOverToTheNextReport() throws Exception {
        Path feature = plainFeature();
        Path reports = dir.resolve("reports");
        Runs.Outcome first = Runs.run("embedded", reports, Optional.empty(), feature);
        CliTest.Result single = CliTest.run("report", "--report", reports.toString(), "--single-file");
        assertThat(single.exit()).as(single.out() + single.err()).isZero();
        Path page = first.runDirectory().resolve("html/index.html");
        assertThat(single.out()).contains(page.toUri().toString());
        // one file: no data folder beside it that a file:// page could not fetch
        try (var files = Files.list(first.runDirectory().resolve("html"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("index.html");
        }

        Runs.Outcome second = Runs.run("embedded", reports, Optional.empty(), feature);
        CliTest.Result folder = CliTest.run("report", "--report", reports.toString());
        assertThat(folder.exit()).as(folder.out() + folder.err()).isZero();
        String trend = Files.readString(second.runDirectory().resolve("html/history/history-trend.json"));
        assertThat(trend).contains("firstboot run " + second.runDirectory().getFileName())
                .contains("firstboot run " + first.runDirectory().getFileName());
    }

    private Path plainFeature() throws java.io.IOException {
        return Files.writeString(dir.resolve("plain.feature"), """
                Feature: Needs nothing special
                  Scenario: DPS can be told how long devices wait
                    Given DPS asks devices to retry after 2 seconds
                """);
    }

    @Test
    void noRunIsAClearError() {
        CliTest.Result r = CliTest.run("report", "--report", dir.resolve("empty").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("run 'firstboot run' first");
    }
}
