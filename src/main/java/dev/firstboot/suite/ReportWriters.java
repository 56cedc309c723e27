package dev.firstboot.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.timeline.Measurement;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
            byFeature.computeIfAbsent(r.feature(), k -> new java.util.ArrayList<>()).add(r);
        }
        StringBuilder x = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.append(String.format(Locale.ROOT, "<testsuites name=\"firstboot %s\" tests=\"%d\" failures=\"%d\" skipped=\"%d\" time=\"%.3f\">%n",
                esc(s.rig()), s.scenarios().size(), s.count(ScenarioStatus.FAILED),
                s.count(ScenarioStatus.NOT_APPLICABLE) + s.count(ScenarioStatus.NOT_RUN), s.duration().toMillis() / 1000.0));
        for (var feature : byFeature.entrySet()) {
            List<ScenarioResult> rs = feature.getValue();
            long failures = rs.stream().filter(r -> r.status() == ScenarioStatus.FAILED).count();
            long skipped = rs.stream().filter(r -> r.status() == ScenarioStatus.NOT_APPLICABLE || r.status() == ScenarioStatus.NOT_RUN).count();
            double time = rs.stream().mapToLong(r -> r.duration().toMillis()).sum() / 1000.0;
            x.append(String.format(Locale.ROOT, "  <testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\" timestamp=\"%s\">%n",
                    esc(feature.getKey()), rs.size(), failures, skipped, time, s.started()));
            x.append("    <properties>\n");
            x.append("      <property name=\"rig\" value=\"").append(esc(s.rig())).append("\"/>\n");
            s.labels().forEach((k, v) -> x.append("      <property name=\"").append(esc(k)).append("\" value=\"").append(esc(v)).append("\"/>\n"));
            x.append("    </properties>\n");
            for (ScenarioResult r : rs) {
                x.append(String.format(Locale.ROOT, "    <testcase name=\"%s\" classname=\"%s\" file=\"%s\" time=\"%.3f\">",
                        esc(r.name()), esc(feature.getKey()), esc(r.location()), r.duration().toMillis() / 1000.0));
                switch (r.status()) {
                    case FAILED -> x.append("\n      <failure message=\"").append(esc(r.firstLineOfMessage()))
                            .append("\" type=\"conformance\">").append(esc(r.message() + "\n\n" + r.detail())).append("</failure>");
                    case NOT_APPLICABLE, NOT_RUN -> x.append("\n      <skipped message=\"").append(esc(r.message())).append("\"/>");
                    case PASSED -> { }
                }
                if (!r.measurements().isEmpty()) {
                    x.append("\n      <system-out>");
                    for (Measurement m : r.measurements()) {
                        x.append(esc(m.toString())).append('\n');
                    }
                    x.append("</system-out>");
                }
                x.append(r.status() == ScenarioStatus.PASSED && r.measurements().isEmpty() ? "" : "\n    ").append("</testcase>\n");
            }
            x.append("  </testsuite>\n");
        }
        x.append("</testsuites>\n");
        return x.toString();
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                        out.append('?');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
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
