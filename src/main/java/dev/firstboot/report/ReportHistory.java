package dev.firstboot.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * History and trends across runs in one reports folder: before a run's report is generated, the history of the newest
 * report already generated in the same folder goes into the run's Allure results, as Allure expects. Folder reports
 * keep it in {@code html/history/}; a single-file report carries the same files inside its {@code index.html}.
 */
public final class ReportHistory {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How Allure's single-file report embeds a data file: {@code d('history/history.json','BASE64')}. */
    private static final Pattern EMBEDDED = Pattern.compile("d\\('history/([A-Za-z0-9._-]+\\.json)','([A-Za-z0-9+/=]*)'\\)");

    private ReportHistory() {
    }

    /**
     * Copies the newest earlier report's history into {@code runDir/allure-results/history/}, and names this run in
     * {@code executor.json} so the trend can tell runs apart.
     *
     * @return the report the history came from, if there was one
     */
    public static Optional<Path> carryOver(Path runDir) throws IOException {
        Path results = runDir.resolve("allure-results");
        Optional<Path> previous = newestReport(runDir.toAbsolutePath().normalize());
        Map<String, byte[]> history = previous.isPresent() ? history(previous.get()) : Map.of();
        Path into = results.resolve("history");
        if (!history.isEmpty()) {
            Files.createDirectories(into);
            for (Map.Entry<String, byte[]> file : history.entrySet()) {
                Files.write(into.resolve(file.getKey()), file.getValue());
            }
        }
        ObjectNode executor = JSON.createObjectNode();
        String runId = runDir.getFileName().toString();
        executor.put("name", "firstboot");
        executor.put("type", "firstboot");
        executor.put("buildName", runId);
        executor.put("reportName", "firstboot run " + runId);
        executor.put("buildOrder", trendLength(history.get("history-trend.json")) + 1);
        Files.writeString(results.resolve("executor.json"), JSON.writeValueAsString(executor), StandardCharsets.UTF_8);
        return previous;
    }

    /** The history files of a generated report, from its folder or from inside its single file. */
    static Map<String, byte[]> history(Path report) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Path folder = report.resolve("history");
        if (Files.isDirectory(folder)) {
            try (Stream<Path> files = Files.list(folder)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    out.put(f.getFileName().toString(), Files.readAllBytes(f));
                }
            }
            return out;
        }
        Path index = report.resolve("index.html");
        if (Files.isRegularFile(index)) {
            out.putAll(embeddedHistory(Files.readString(index, StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** The history files a single-file report carries inside its page. */
    static Map<String, byte[]> embeddedHistory(String html) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Matcher m = EMBEDDED.matcher(html);
        while (m.find()) {
            out.put(m.group(1), Base64.getDecoder().decode(m.group(2)));
        }
        return out;
    }

    /** The most recently generated report ({@code html/index.html}) of another run in the same reports folder. */
    private static Optional<Path> newestReport(Path runDir) throws IOException {
        Path root = runDir.getParent();
        if (root == null || !Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> runs = Files.list(root)) {
            return runs.filter(r -> !r.toAbsolutePath().normalize().equals(runDir))
                    .map(r -> r.resolve("html"))
                    .filter(h -> Files.isRegularFile(h.resolve("index.html")))
                    .max(Comparator.comparing(h -> modified(h.resolve("index.html"))));
        }
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    private static int trendLength(byte[] trend) {
        if (trend == null) {
            return 0;
        }
        try {
            JsonNode n = JSON.readTree(trend);
            return n.isArray() ? n.size() : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
