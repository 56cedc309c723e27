package dev.firstboot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.Required;
import dev.firstboot.process.ChildProcess;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The single-file report, opened from file:// in a real headless Chromium (Debian's {@code chromium}, which the test
 * command installs): the page shows a timing step's measurements with their limits, and the boot timeline picture.
 * Where the test command installs chromium, a missing browser is a failure ({@link Required}).
 */
class ReportInChromiumTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TEST_CASE = Pattern.compile("d\\('data/test-cases/[^']+\\.json','([A-Za-z0-9+/=]*)'\\)");

    @TempDir
    Path dir;

    @Test
    void theSingleFileReportShowsAMeasurementWithItsLimitAndTheTimelinePicture() throws Exception {
        Path chromium = chromium();
        Path reports = dir.resolve("reports");
        Runs.Outcome outcome = Runs.run("embedded", reports, Optional.empty(),
                Path.of(Runs.FEATURES + "/first-boot/x509-individual.feature:65"));
        assertThat(outcome.summary().scenarios()).as(outcome.output()).hasSize(1);
        CliTest.Result report = CliTest.run("report", outcome.runDirectory().toString(), "--single-file");
        assertThat(report.exit()).as(report.out() + report.err()).isZero();
        Path page = outcome.runDirectory().resolve("html/index.html");

        // Open the scenario's page with its measurements table shown, as a click on the attachment would.
        JsonNode scenario = testCase(Files.readString(page), "The first boot stays within its time budget");
        String table = attachmentUid(scenario.path("testStage"), "measurements");
        String dom = dumpDom(chromium, page.toUri() + "#testresult/" + scenario.path("uid").asText() + "?attachment=" + table);

        assertThat(dom).as("the scenario's page rendered").contains("The first boot stays within its time budget");
        assertThat(dom).as("the measurements table").contains("attachment__table")
                .containsPattern("<td>boot → hub connected</td>\\s*<td>\\d+\\.\\d{3}</td>\\s*<td>≤ 8</td>\\s*<td>s</td>")
                .contains("<td>PASS</td>");
        String picture = dom.substring(dom.indexOf("firstboot-timeline"));
        assertThat(picture).as("the timeline picture on the scenario's page").contains("<svg")
                .contains("data-lane=\"device\"").contains("data-lane=\"DPS\"").contains("data-lane=\"hub\"")
                .contains("data-phase=\"boot → hub connected\"").contains("/ limit 8 s");
    }

    private static Path chromium() {
        Optional<Path> chromium = Required.onPath("chromium");
        Required.check(Required.Component.CHROMIUM, chromium.isPresent() ? Optional.empty()
                : Optional.of("no chromium on the PATH"));
        return chromium.orElseThrow();
    }

    private String dumpDom(Path chromium, String url) throws IOException, InterruptedException {
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        return ChildProcess.run(ChildProcess.command(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--virtual-time-budget=10000", "--dump-dom", url))
                .stderr(ChildProcess.Output.file(dir.resolve("chromium.log"))), Duration.ofSeconds(90),
                "rendering the report in chromium");
    }

    /** A scenario's data as the single-file report carries it. */
    private static JsonNode testCase(String html, String name) throws IOException {
        Matcher m = TEST_CASE.matcher(html);
        while (m.find()) {
            JsonNode n = JSON.readTree(Base64.getDecoder().decode(m.group(1)));
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("the report has no scenario named " + name);
    }

    private static String attachmentUid(JsonNode step, String name) {
        for (JsonNode a : step.path("attachments")) {
            if (a.path("name").asText().equals(name)) {
                return a.path("uid").asText();
            }
        }
        for (JsonNode child : step.path("steps")) {
            String uid = attachmentUid(child, name);
            if (!uid.isEmpty()) {
                return uid;
            }
        }
        return "";
    }
}
