package dev.firstboot.cli;

import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code firstboot report} turns a run's Allure results into HTML with the Allure command line from Maven Central. */
class ReportCommandTest {
    @TempDir
    Path dir;

    @Test
    void newestRunBecomesAnHtmlReport() throws Exception {
        Path feature = Files.writeString(dir.resolve("plain.feature"), """
                Feature: Needs nothing special
                  Scenario: DPS can be told how long devices wait
                    Given DPS asks devices to retry after 2 seconds
                """);
        Runs.Outcome outcome = Runs.run("embedded", dir.resolve("reports"), Optional.empty(), feature);
        CliTest.Result r = CliTest.run("report", "--report", dir.resolve("reports").toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(outcome.runDirectory().resolve("html/index.html")).exists();
        assertThat(r.out()).contains("HTML report: " + outcome.runDirectory().resolve("html/index.html"));
    }

    @Test
    void noRunIsAClearError() {
        CliTest.Result r = CliTest.run("report", "--report", dir.resolve("empty").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("run 'firstboot run' first");
    }
}
