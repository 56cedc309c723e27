package dev.firstboot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The newest earlier report's history goes into the next run's results, from a folder report or a single file. */
class ReportHistoryTest {
    @TempDir
    Path reports;

    @Test
    void historyComesFromInsideTheNewestSingleFileReport() throws Exception {
        String trend = "[{\"buildOrder\":1,\"data\":{\"passed\":3,\"total\":3}}]";
        Path old = Files.createDirectories(reports.resolve("20260101-000000-aaaa/html"));
        Files.writeString(old.resolve("index.html"), "<script>d('data/suites.json','e30=');d('history/history-trend.json','"
                + Base64.getEncoder().encodeToString(trend.getBytes(StandardCharsets.UTF_8)) + "');</script>");
        Path run = Files.createDirectories(reports.resolve("20260102-000000-bbbb/allure-results")).getParent();

        assertThat(ReportHistory.carryOver(run)).contains(old);

        assertThat(run.resolve("allure-results/history/history-trend.json")).hasContent(trend);
        assertThat(run.resolve("allure-results/history")).isDirectoryNotContaining("glob:**/suites.json");
        assertThat(run.resolve("allure-results/executor.json")).content()
                .contains("\"buildOrder\":2").contains("firstboot run 20260102-000000-bbbb");
    }

    @Test
    void theFirstReportHasNoHistoryToCarry() throws Exception {
        Path run = Files.createDirectories(reports.resolve("20260102-000000-bbbb/allure-results")).getParent();
        assertThat(ReportHistory.carryOver(run)).isEmpty();
        assertThat(run.resolve("allure-results/history")).doesNotExist();
        assertThat(run.resolve("allure-results/executor.json")).content().contains("\"buildOrder\":1");
    }
}
