package dev.firstboot.farm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.report.JUnitXml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The farm's reports: every board's Allure results in one folder (with {@code board}, {@code host} and {@code pool}
 * labels, a per-board history id, rig failures marked broken), one JUnit XML with a test suite per board, the
 * per-board boot-phase statistics, and {@code farm-summary.json}, which {@code firstboot report merge} reads.
 */
final class FarmReport {
    static final String SUMMARY = "farm-summary.json";
    static final String TIMING = "timing-stats.json";
    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            // totals and other derived fields are written for readers, and recomputed when read back
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A board as the report describes it. */
    record ReportedBoard(String name, String host, String pool, boolean online, String detail) {
    }

    private FarmReport() {
    }

    // ---- Allure ----

    /**
     * Copies one board run's Allure results into the farm's folder. Result files get the board's labels and a history
     * id of their own per board (so Allure shows retries of a scenario on a board as retries, and the same scenario on
     * two boards as two tests); a scenario whose run was a rig failure is marked broken, not failed.
     */
    static void importAllure(Path from, Path to, ReportedBoard board, Map<String, ScenarioRun> byName, int boot, int repeat) {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) {
                String fileName = f.getFileName().toString();
                if (fileName.equals("environment.properties")) {
                    continue;
                }
                if (fileName.endsWith("-result.json")) {
                    ObjectNode result = (ObjectNode) JSON.readTree(f.toFile());
                    label(result, board);
                    String history = result.path("historyId").asText(result.path("fullName").asText(fileName));
                    ScenarioRun run = byName.get(result.path("name").asText());
                    // Repeated boots are tests of their own, not retries of one another; retries share their boot's id.
                    result.put("historyId", md5(board.name() + "\n" + (repeat > 1 ? "boot " + boot + "\n" : "") + history));
                    if (repeat > 1) {
                        result.put("name", result.path("name").asText() + " (boot " + boot + ")");
                    }
                    if (run != null && run.outcome() == ScenarioRun.Outcome.RIG_FAILURE) {
                        result.put("status", "broken");
                        ObjectNode details = result.has("statusDetails") && result.get("statusDetails").isObject()
                                ? (ObjectNode) result.get("statusDetails") : result.putObject("statusDetails");
                        details.put("message", "rig failure on board " + board.name()
                                + (run.retried() ? " (retried)" : "") + ": " + details.path("message").asText(run.message()));
                    }
                    JSON.writeValue(to.resolve(fileName).toFile(), result);
                } else {
                    Files.copy(f, to.resolve(fileName), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the Allure results of board " + board.name() + " from " + from
                    + ": " + e.getMessage(), e);
        }
    }

    /** An Allure result for a scenario a board never ran: its board was offline (skipped, with the reason). */
    static void writeNotRun(Path allureDir, ReportedBoard board, ScenarioRun run, String status) {
        ObjectNode r = JSON.createObjectNode();
        String uuid = UUID.randomUUID().toString();
        r.put("uuid", uuid);
        r.put("name", run.name());
        r.put("fullName", run.feature() + ": " + run.name());
        r.put("historyId", md5(board.name() + "\n" + run.location()));
        r.put("status", status);
        r.put("stage", "finished");
        r.putObject("statusDetails").put("message", run.message());
        long now = System.currentTimeMillis();
        r.put("start", now);
        r.put("stop", now);
        ArrayNode labels = r.putArray("labels");
        labels.addObject().put("name", "feature").put("value", run.feature());
        label(r, board);
        try {
            Files.createDirectories(allureDir);
            JSON.writeValue(allureDir.resolve(uuid + "-result.json").toFile(), r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + allureDir + ": " + e.getMessage(), e);
        }
    }

    private static void label(ObjectNode result, ReportedBoard board) {
        ArrayNode labels = result.has("labels") && result.get("labels").isArray()
                ? (ArrayNode) result.get("labels") : result.putArray("labels");
        Map<String, String> add = new LinkedHashMap<>();
        add.put("board", board.name());
        if (!board.host().isEmpty()) {
            add.put("host", board.host());
        }
        add.put("pool", board.pool());
        for (var e : add.entrySet()) {
            boolean present = false;
            for (JsonNode l : labels) {
                present |= e.getKey().equals(l.path("name").asText());
            }
            if (!present) {
                labels.addObject().put("name", e.getKey()).put("value", e.getValue());
            }
        }
    }

    static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- summary, timing, JUnit ----

    static TimingStats timing(List<ScenarioRun> runs) {
        TimingStats stats = new TimingStats();
        for (ScenarioRun r : runs) {
            if (r.deviceRan()) {
                for (ScenarioRun.Sample m : r.measurements()) {
                    stats.add(r.board(), m.name(), m.unit(), m.value());
                }
            }
        }
        return stats;
    }

    static void writeAll(Path dir, String farm, List<String> runIds, List<ReportedBoard> boards, List<ScenarioRun> runs,
                         Map<String, Object> extra) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("farm", farm);
        ArrayNode ids = root.putArray("runIds");
        runIds.forEach(ids::add);
        extra.forEach((k, v) -> root.set(k, JSON.valueToTree(v)));
        ArrayNode bs = root.putArray("boards");
        for (ReportedBoard b : boards) {
            ObjectNode n = bs.addObject();
            n.put("name", b.name());
            n.put("host", b.host());
            n.put("pool", b.pool());
            n.put("online", b.online());
            n.put("detail", b.detail());
            ObjectNode totals = n.putObject("totals");
            for (ScenarioRun.Outcome o : ScenarioRun.Outcome.values()) {
                totals.put(o.name().toLowerCase(Locale.ROOT), runs.stream()
                        .filter(r -> r.board().equals(b.name()) && !r.retried() && r.outcome() == o).count());
            }
            totals.put("retried", runs.stream().filter(r -> r.board().equals(b.name()) && r.retried()).count());
        }
        ArrayNode results = root.putArray("results");
        for (ScenarioRun r : runs) {
            results.add(JSON.valueToTree(r));
        }
        write(dir.resolve(SUMMARY), root);
        write(dir.resolve(TIMING), timingJson(timing(runs)));
        writeString(dir.resolve("junit.xml"), junit(farm, boards, runs));
    }

    private static ObjectNode timingJson(TimingStats stats) {
        ObjectNode root = JSON.createObjectNode();
        root.put("percentiles", "nearest rank");
        ArrayNode phases = root.putArray("phases");
        for (TimingStats.PhaseSamples p : stats.phases()) {
            ObjectNode n = phases.addObject();
            n.put("board", p.board());
            n.put("phase", p.name());
            n.put("unit", p.unit());
            n.put("n", p.samples().size());
            n.put("p50", p.p50());
            n.put("p95", p.p95());
            ArrayNode s = n.putArray("samples");
            p.samples().forEach(s::add);
        }
        return root;
    }

    static String junit(String farm, List<ReportedBoard> boards, List<ScenarioRun> runs) {
        List<ScenarioRun> finals = runs.stream().filter(r -> !r.retried()).toList();
        List<JUnitXml.TestSuite> suites = new ArrayList<>();
        for (ReportedBoard b : boards) {
            List<ScenarioRun> rs = finals.stream().filter(r -> r.board().equals(b.name())).toList();
            long skipped = count(rs, ScenarioRun.Outcome.NOT_APPLICABLE) + count(rs, ScenarioRun.Outcome.NOT_RUN);
            boolean repeated = rs.stream().anyMatch(o -> o.boot() > 1);
            List<JUnitXml.TestCase> cases = new ArrayList<>();
            for (ScenarioRun r : rs) {
                String name = r.name() + (repeated ? " (boot " + r.boot() + ")" : "");
                JUnitXml.CaseResult verdict = switch (r.outcome()) {
                    case FAILED -> new JUnitXml.CaseResult.Failure(firstLine(r.message()), "conformance", r.message());
                    case RIG_FAILURE -> new JUnitXml.CaseResult.Error(firstLine(r.message()), "rig",
                            r.message() + "\nattempts: " + r.attempt());
                    case NOT_APPLICABLE, NOT_RUN -> new JUnitXml.CaseResult.Skipped(r.message());
                    case PASSED -> new JUnitXml.CaseResult.Passed();
                };
                cases.add(new JUnitXml.TestCase(JUnitXml.attributes("name", name, "classname", b.name() + "." + r.feature(),
                        "file", r.location(), "time", JUnitXml.seconds(r.durationSeconds())), verdict, ""));
            }
            suites.add(new JUnitXml.TestSuite(JUnitXml.attributes("name", b.name(), "tests", rs.size(),
                    "failures", count(rs, ScenarioRun.Outcome.FAILED), "errors", count(rs, ScenarioRun.Outcome.RIG_FAILURE),
                    "skipped", skipped, "time", JUnitXml.seconds(rs.stream().mapToDouble(ScenarioRun::durationSeconds).sum())),
                    JUnitXml.attributes("board", b.name(), "host", b.host(), "pool", b.pool(), "online", b.online()), cases));
        }
        return JUnitXml.toXml(new JUnitXml.TestSuites(JUnitXml.attributes("name", "firstboot farm " + farm,
                "tests", finals.size(), "failures", count(finals, ScenarioRun.Outcome.FAILED),
                "errors", count(finals, ScenarioRun.Outcome.RIG_FAILURE)), suites));
    }

    private static long count(List<ScenarioRun> rs, ScenarioRun.Outcome o) {
        return rs.stream().filter(r -> r.outcome() == o).count();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    // ---- reading back (for merge) ----

    /** The runs and boards of a farm report folder; refuses anything that is not one, saying why. */
    record Read(Path dir, String farm, List<String> runIds, List<ReportedBoard> boards, List<ScenarioRun> runs) {
    }

    static Read read(Path dir) throws MergeException {
        Path summary = dir.resolve(SUMMARY);
        if (!Files.isRegularFile(summary)) {
            throw new MergeException(dir + " is not a farm report: it has no " + SUMMARY
                    + "; pass folders written by 'firstboot run --farm' (reports/farm-…)");
        }
        JsonNode root;
        try {
            root = JSON.readTree(summary.toFile());
        } catch (IOException e) {
            throw new MergeException(summary + " is corrupt (not JSON: " + e.getMessage().lines().findFirst().orElse("")
                    + "); copy it again from the host that wrote it");
        }
        if (root == null || root.path("format").asInt(-1) != FORMAT || !root.path("results").isArray()
                || !root.path("boards").isArray()) {
            throw new MergeException(summary + " is not a farm summary of format " + FORMAT
                    + " (fields format, boards, results); was it written by another firstboot version?");
        }
        if (!Files.isDirectory(dir.resolve("allure-results"))) {
            throw new MergeException(dir + " has no allure-results/ folder; copy the whole report folder");
        }
        try {
            List<ReportedBoard> boards = new ArrayList<>();
            for (JsonNode b : root.get("boards")) {
                boards.add(JSON.treeToValue(b, ReportedBoard.class));
            }
            List<ScenarioRun> runs = new ArrayList<>();
            for (JsonNode r : root.get("results")) {
                runs.add(JSON.treeToValue(r, ScenarioRun.class));
            }
            List<String> ids = new ArrayList<>();
            root.path("runIds").forEach(n -> ids.add(n.asText()));
            return new Read(dir, root.path("farm").asText(), ids, boards, runs);
        } catch (IOException | IllegalArgumentException e) {
            throw new MergeException(summary + " is corrupt: " + e.getMessage().lines().findFirst().orElse("")
                    + "; copy it again from the host that wrote it");
        }
    }

    private static void write(Path target, JsonNode node) {
        try {
            writeString(target, JSON.writeValueAsString(node) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeString(Path target, String content) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
