package dev.firstboot.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.report.JUnitXml;
import dev.firstboot.timeline.Measurement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes summary.json and junit.xml for a run. Both are rewritten whole and atomically, so a reader never sees half. */
final class ReportWriters {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriters() {
    }

    static void writeAll(Path runDirectory, RunSummary summary) {
        writeAtomically(runDirectory.resolve("summary.json"), summaryJson(summary));
        writeAtomically(runDirectory.resolve("junit.xml"), junitXml(summary));
    }

    static String summaryJson(RunSummary s) {
        ObjectNode root = JSON.createObjectNode();
        root.put("runId", s.runId());
        root.put("harnessVersion", s.harnessVersion());
        root.put("rig", s.rig());
        root.put("rigFile", s.rigFile());
        ObjectNode labels = root.putObject("labels");
        s.labels().forEach(labels::put);
        root.put("started", s.started().toString());
        root.put("durationSeconds", s.duration().toMillis() / 1000.0);
        root.put("interrupted", s.interrupted());
        root.put("exitCode", s.exitCode());
        root.put("hostLagMs", Math.round(s.hostLag().toNanos() / 1e5) / 10.0);
        ArrayNode problems = root.putArray("problems");
        s.problems().forEach(problems::add);
        ObjectNode totals = root.putObject("totals");
        for (ScenarioStatus st : ScenarioStatus.values()) {
            totals.put(st.name().toLowerCase(Locale.ROOT), s.count(st));
        }
        ArrayNode scenarios = root.putArray("scenarios");
        for (ScenarioResult r : s.scenarios()) {
            ObjectNode n = scenarios.addObject();
            n.put("feature", r.feature());
            n.put("name", r.name());
            n.put("location", r.location());
            n.put("status", r.status().name());
            n.put("started", r.started().toString());
            n.put("durationSeconds", r.duration().toMillis() / 1000.0);
            n.put("message", r.message());
            ArrayNode ms = n.putArray("measurements");
            for (Measurement m : r.measurements()) {
                ObjectNode mn = ms.addObject();
                mn.put("name", m.name());
                mn.put("value", m.value());
                mn.put("unit", m.unit());
                if (m.limited()) {
                    mn.put("limit", m.limit());
                } else {
                    mn.putNull("limit");
                }
                mn.put("withinLimit", m.withinLimit());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String junitXml(RunSummary s) {
        Map<String, List<ScenarioResult>> byFeature = new LinkedHashMap<>();
        for (ScenarioResult r : s.scenarios()) {
            byFeature.computeIfAbsent(r.feature(), k -> new ArrayList<>()).add(r);
        }
        List<JUnitXml.TestSuite> suites = new ArrayList<>();
        for (var feature : byFeature.entrySet()) {
            List<ScenarioResult> rs = feature.getValue();
            long failures = rs.stream().filter(r -> r.status() == ScenarioStatus.FAILED).count();
            long skipped = rs.stream().filter(r -> r.status() == ScenarioStatus.NOT_APPLICABLE || r.status() == ScenarioStatus.NOT_RUN).count();
            double time = rs.stream().mapToLong(r -> r.duration().toMillis()).sum() / 1000.0;
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("rig", s.rig());
            properties.putAll(s.labels());
            List<JUnitXml.TestCase> cases = new ArrayList<>();
            for (ScenarioResult r : rs) {
                JUnitXml.CaseResult verdict = switch (r.status()) {
                    case FAILED -> new JUnitXml.CaseResult.Failure(r.firstLineOfMessage(), "conformance", r.message() + "\n\n" + r.detail());
                    case INCONCLUSIVE -> new JUnitXml.CaseResult.Error(r.firstLineOfMessage(), "inconclusive", r.message() + "\n\n" + r.detail());
                    case NOT_APPLICABLE, NOT_RUN -> new JUnitXml.CaseResult.Skipped(r.message());
                    case PASSED -> new JUnitXml.CaseResult.Passed();
                };
                StringBuilder out = new StringBuilder();
                r.measurements().forEach(m -> out.append(m).append('\n'));
                cases.add(new JUnitXml.TestCase(JUnitXml.attributes("name", r.name(), "classname", feature.getKey(),
                        "file", r.location(), "time", JUnitXml.seconds(r.duration().toMillis() / 1000.0)), verdict, out.toString()));
            }
            suites.add(new JUnitXml.TestSuite(JUnitXml.attributes("name", feature.getKey(), "tests", rs.size(),
                    "failures", failures, "errors", rs.stream().filter(r -> r.status() == ScenarioStatus.INCONCLUSIVE).count(),
                    "skipped", skipped, "time", JUnitXml.seconds(time),
                    "timestamp", s.started()), properties, cases));
        }
        return JUnitXml.toXml(new JUnitXml.TestSuites(JUnitXml.attributes("name", "firstboot " + s.rig(),
                "tests", s.scenarios().size(), "failures", s.count(ScenarioStatus.FAILED),
                "errors", s.count(ScenarioStatus.INCONCLUSIVE),
                "skipped", s.count(ScenarioStatus.NOT_APPLICABLE) + s.count(ScenarioStatus.NOT_RUN),
                "time", JUnitXml.seconds(s.duration().toMillis() / 1000.0)), suites));
    }

    public static void writeAtomically(Path target, String content) {
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
