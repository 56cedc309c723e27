package dev.firstboot.suite;

import io.cucumber.gherkin.GherkinParser;
import io.cucumber.messages.types.Examples;
import io.cucumber.messages.types.FeatureChild;
import io.cucumber.messages.types.GherkinDocument;
import io.cucumber.messages.types.RuleChild;
import io.cucumber.messages.types.Scenario;
import io.cucumber.messages.types.TableCell;
import io.cucumber.messages.types.TableRow;
import io.cucumber.messages.types.Tag;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The shape of one feature file by line: which lines belong to which scenario (from its tags to the line before the
 * next element), which example row each outline's pickle comes from, and the names of the outline's examples by their
 * values. {@code FILE:LINE} selection and example names read it.
 */
final class FeatureIndex {
    /** A scenario (or outline) from {@code start} to {@code end}; {@code pickles} are the lines its pickles start at. */
    private record Block(int start, int end, String what, List<Integer> pickles, List<Block> examples) {
    }

    private final Path file;
    private final List<Block> blocks;
    private final Map<Integer, String> exampleNames;

    private FeatureIndex(Path file, List<Block> blocks, Map<Integer, String> exampleNames) {
        this.file = file;
        this.blocks = blocks;
        this.exampleNames = exampleNames;
    }

    static FeatureIndex read(Path file) throws UsageException {
        GherkinDocument doc;
        try {
            doc = GherkinParser.builder().includeSource(false).includePickles(false).build().parse(file)
                    .map(e -> e.getGherkinDocument().orElse(null)).filter(d -> d != null).findFirst().orElse(null);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e.getMessage());
        }
        List<int[]> starts = new ArrayList<>();        // start line, index into elements
        List<Object> elements = new ArrayList<>();     // Scenario, or a String naming what else begins there
        if (doc != null && doc.getFeature().isPresent()) {
            for (FeatureChild child : doc.getFeature().get().getChildren()) {
                child.getBackground().ifPresent(b -> add(starts, elements, line(b.getLocation().getLine()), "the Background"));
                child.getScenario().ifPresent(s -> add(starts, elements, start(s), s));
                child.getRule().ifPresent(rule -> {
                    add(starts, elements, startOf(rule.getTags(), rule.getLocation().getLine()),
                            "the header of Rule \"" + rule.getName() + "\"");
                    for (RuleChild rc : rule.getChildren()) {
                        rc.getBackground().ifPresent(b -> add(starts, elements, line(b.getLocation().getLine()),
                                "the Background of Rule \"" + rule.getName() + "\""));
                        rc.getScenario().ifPresent(s -> add(starts, elements, start(s), s));
                    }
                });
            }
        }
        List<Block> blocks = new ArrayList<>();
        Map<Integer, String> names = new LinkedHashMap<>();
        for (int i = 0; i < starts.size(); i++) {
            int start = starts.get(i)[0];
            int end = i + 1 < starts.size() ? starts.get(i + 1)[0] - 1 : Integer.MAX_VALUE;
            Object e = elements.get(i);
            if (e instanceof Scenario s) {
                blocks.add(scenarioBlock(s, start, end, names));
            } else {
                blocks.add(new Block(start, end, (String) e, List.of(), List.of()));
            }
        }
        return new FeatureIndex(file, blocks, names);
    }

    private static Block scenarioBlock(Scenario s, int start, int end, Map<Integer, String> names) {
        String what = "scenario \"" + s.getName() + "\"";
        if (s.getExamples().isEmpty()) {
            return new Block(start, end, what, List.of(line(s.getLocation().getLine())), List.of());
        }
        List<Block> subs = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        List<Examples> examples = s.getExamples();
        for (int i = 0; i < examples.size(); i++) {
            Examples ex = examples.get(i);
            int subStart = startOf(ex.getTags(), ex.getLocation().getLine());
            int subEnd = i + 1 < examples.size()
                    ? startOf(examples.get(i + 1).getTags(), examples.get(i + 1).getLocation().getLine()) - 1 : end;
            List<Integer> rows = new ArrayList<>();
            List<String> header = ex.getTableHeader().map(FeatureIndex::cells).orElse(List.of());
            for (TableRow row : ex.getTableBody()) {
                int l = line(row.getLocation().getLine());
                rows.add(l);
                names.put(l, exampleName(s.getName(), header, cells(row)));
            }
            all.addAll(rows);
            subs.add(new Block(subStart, subEnd, what, rows, List.of()));
        }
        return new Block(start, end, what, all, subs);
    }

    /**
     * An example named by its values: the outline's name with its {@code <placeholders>} filled in, and the values
     * the name does not show in brackets, e.g. {@code … refused at boot [registration id: Bad_Id, message: Input…]}.
     */
    static String exampleName(String outline, List<String> header, List<String> values) {
        String name = outline;
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < header.size() && i < values.size(); i++) {
            String placeholder = "<" + header.get(i) + ">";
            if (name.contains(placeholder)) {
                name = name.replace(placeholder, values.get(i));
            } else {
                String v = values.get(i);
                shown.add(header.get(i) + ": " + (v.length() > 24 ? v.substring(0, 23) + "…" : v));
            }
        }
        return shown.isEmpty() ? name : name + " [" + String.join(", ", shown) + "]";
    }

    /** The name of the example whose row is on this line, if the line is an example row. */
    Optional<String> exampleName(int line) {
        return Optional.ofNullable(exampleNames.get(line));
    }

    /**
     * The lines of the pickles the scenario holding {@code line} runs: a scenario's own line; for an outline, the rows
     * of the Examples block holding the line, that row alone, or every row when the line is in the outline's steps.
     */
    List<Integer> picklesAt(int line) throws UsageException {
        for (Block b : blocks) {
            if (line < b.start() || line > b.end()) {
                continue;
            }
            if (b.pickles().isEmpty()) {
                throw outside(line, b.what());
            }
            for (Block sub : b.examples()) {
                if (line >= sub.start() && line <= sub.end()) {
                    return sub.pickles().contains(line) ? List.of(line) : sub.pickles();
                }
            }
            return b.pickles();
        }
        throw outside(line, blocks.isEmpty() ? "a feature without scenarios" : "the feature's header and description");
    }

    private UsageException outside(int line, String where) {
        StringBuilder scenarios = new StringBuilder();
        for (Block b : blocks) {
            if (!b.pickles().isEmpty()) {
                scenarios.append(scenarios.isEmpty() ? "" : ", ").append(b.start())
                        .append(b.end() == Integer.MAX_VALUE ? "–end" : "–" + b.end());
            }
        }
        return new UsageException(file + ":" + line + " is not in a scenario (it is in " + where + "); "
                + (scenarios.isEmpty() ? "the file has no scenarios" : "its scenarios span lines " + scenarios)
                + ". Give a line inside the scenario you want, or the file alone for all of them.");
    }

    private static void add(List<int[]> starts, List<Object> elements, int line, Object what) {
        starts.add(new int[]{line});
        elements.add(what);
    }

    private static int start(Scenario s) {
        return startOf(s.getTags(), s.getLocation().getLine());
    }

    private static int startOf(List<Tag> tags, Long keywordLine) {
        int start = line(keywordLine);
        for (Tag t : tags) {
            start = Math.min(start, line(t.getLocation().getLine()));
        }
        return start;
    }

    private static int line(Long l) {
        return l == null ? 0 : l.intValue();
    }

    private static List<String> cells(TableRow row) {
        return row.getCells().stream().map(TableCell::getValue).toList();
    }
}
