package dev.firstboot.suite;

import io.cucumber.tagexpressions.Expression;
import io.cucumber.tagexpressions.TagExpressionException;
import io.cucumber.tagexpressions.TagExpressionParser;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.TestTag;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.FilePosition;
import org.junit.platform.engine.support.descriptor.FileSource;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Which scenarios a run selects: feature files and folders, {@code FILE:LINE}, a Cucumber tag expression and a name
 * pattern, all checked before anything starts. Scenarios left out are filtered away at discovery, so they are never
 * executed and never a result. {@code firstboot run}, {@code list} and the farm's plan select with this one class.
 */
public final class Selection {
    /** {@code FILE.feature:LINE}: the scenario (or example row) holding that line. */
    public static final Pattern FEATURE_LINE = Pattern.compile("(.+\\.feature):(\\d+)");

    /**
     * A selected scenario as discovery found it.
     *
     * @param location absolute {@code file.feature:LINE}: what selects exactly this scenario again
     * @param tags     its tags, with {@code @}, the feature's and its rule's and examples' included
     */
    public record Scenario(String feature, String name, String location, Set<String> tags) {
        public Scenario {
            tags = Set.copyOf(new TreeSet<>(tags));
        }
    }

    private final Optional<String> tagText;
    private final Optional<Expression> tags;
    private final Optional<Pattern> name;
    private final List<DiscoverySelector> selectors;
    /** Files chosen by FILE:LINE only: the pickle lines selected in each. */
    private final Map<Path, Set<Integer>> lines;
    private final Map<Path, FeatureIndex> indexes = new HashMap<>();

    private Selection(Optional<String> tagText, Optional<Expression> tags, Optional<Pattern> name,
                      List<DiscoverySelector> selectors, Map<Path, Set<Integer>> lines) {
        this.tagText = tagText;
        this.tags = tags;
        this.name = name;
        this.selectors = selectors;
        this.lines = lines;
    }

    /** Checks every selector; bad input is a {@link UsageException} that says where and what to do. */
    public static Selection of(Optional<String> tagExpression, Optional<String> namePattern, List<Path> features)
            throws UsageException {
        Optional<String> tagText = tagExpression.map(String::strip).filter(t -> !t.isEmpty());
        Optional<Expression> tags = tagText.isEmpty() ? Optional.empty() : Optional.of(parseTags(tagText.get()));
        Optional<Pattern> name = Optional.empty();
        if (namePattern.isPresent() && !namePattern.get().isEmpty()) {
            try {
                name = Optional.of(Pattern.compile(namePattern.get()));
            } catch (PatternSyntaxException e) {
                throw new UsageException("--name: not a regular expression: " + e.getDescription() + " at index "
                        + e.getIndex() + "\n  " + namePattern.get() + "\n  " + " ".repeat(Math.max(0, e.getIndex())) + "^");
            }
        }
        List<DiscoverySelector> selectors = new ArrayList<>();
        Set<Path> whole = new LinkedHashSet<>();
        List<Path> folders = new ArrayList<>();
        Map<Path, Set<Integer>> lines = new LinkedHashMap<>();
        Map<Path, FeatureIndex> indexes = new HashMap<>();
        for (Path f : features) {
            Path p = f.toAbsolutePath().normalize();
            Matcher line = FEATURE_LINE.matcher(p.toString());
            if (!Files.exists(p) && line.matches() && Files.isRegularFile(Path.of(line.group(1)))) {
                Path file = Path.of(line.group(1));
                FeatureIndex index = indexes.get(file);
                if (index == null) {
                    index = FeatureIndex.read(file);
                    indexes.put(file, index);
                }
                lines.computeIfAbsent(file, k -> new TreeSet<>()).addAll(index.picklesAt(Integer.parseInt(line.group(2))));
            } else if (Files.isDirectory(p)) {
                folders.add(p);
                selectors.add(DiscoverySelectors.selectDirectory(p.toFile()));
            } else if (Files.isRegularFile(p) && p.toString().endsWith(".feature")) {
                whole.add(p);
            } else {
                throw new UsageException("no feature file or folder at " + p + "; pass --features with a .feature file "
                        + "(optionally FILE.feature:LINE for one scenario) or a folder of them");
            }
        }
        if (features.isEmpty()) {
            throw new UsageException("no features given; pass --features PATH");
        }
        // A file given whole, or inside a folder given, runs whole; FILE:LINE narrows only files given no other way.
        lines.keySet().removeIf(file -> whole.contains(file) || folders.stream().anyMatch(file::startsWith));
        for (Path file : whole) {
            selectors.add(DiscoverySelectors.selectFile(file.toFile()));
        }
        for (Path file : lines.keySet()) {
            selectors.add(DiscoverySelectors.selectFile(file.toFile()));
        }
        Selection s = new Selection(tagText, tags, name, selectors, lines);
        s.indexes.putAll(indexes);
        return s;
    }

    /** Parses with Cucumber's own parser; a syntax error says where it is. */
    static Expression parseTags(String text) throws UsageException {
        try {
            return TagExpressionParser.parse(text);
        } catch (TagExpressionException e) {
            throw new UsageException("--tags: " + e.getMessage() + where(text)
                    + "\nA tag expression is tags (@x509) joined by 'and', 'or', 'not' and parentheses, "
                    + "e.g. --tags '@x509 and not @faults'.");
        }
    }

    /** Points at the first token a tag expression cannot have where it stands. */
    static String where(String text) {
        int pos = -1;
        String hint = null;
        boolean operand = true;
        List<Integer> open = new ArrayList<>();
        int i = 0;
        int lastEnd = 0;
        while (i < text.length() && hint == null) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            String token;
            if (c == '(' || c == ')') {
                token = String.valueOf(c);
                i++;
            } else {
                StringBuilder t = new StringBuilder();
                while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != '('
                        && text.charAt(i) != ')') {
                    if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                        i++;
                    }
                    t.append(text.charAt(i++));
                }
                token = t.toString();
            }
            boolean binary = token.equals("and") || token.equals("or");
            if (operand) {
                if (token.equals("(")) {
                    open.add(start);
                } else if (binary || token.equals(")")) {
                    pos = start;
                    hint = "expected a tag, 'not' or '(' here";
                } else if (!token.equals("not")) {
                    operand = false;
                }
            } else if (binary) {
                operand = true;
            } else if (token.equals(")")) {
                if (open.isEmpty()) {
                    pos = start;
                    hint = "this ')' closes nothing";
                } else {
                    open.remove(open.size() - 1);
                }
            } else {
                pos = start;
                hint = "expected 'and', 'or' or ')' before this";
            }
            lastEnd = i;
        }
        if (hint == null && operand) {
            pos = lastEnd;
            hint = "expected a tag here";
        } else if (hint == null && !open.isEmpty()) {
            pos = open.get(open.size() - 1);
            hint = "this '(' is never closed";
        }
        return hint == null ? "" : "\n  " + text + "\n  " + " ".repeat(pos) + "^ " + hint;
    }

    /** The Cucumber engine's settings every firstboot discovery shares. */
    static Map<String, String> configuration() {
        Map<String, String> config = new HashMap<>();
        config.put("cucumber.glue", "dev.firstboot.steps");
        config.put("cucumber.publish.quiet", "true");
        config.put("cucumber.junit-platform.naming-strategy", "short");
        config.put("cucumber.junit-platform.naming-strategy.short.example-name", "pickle");
        return config;
    }

    /** A discovery request for the selected scenarios, with extra engine settings (plugins, parallelism). */
    LauncherDiscoveryRequest request(Map<String, String> extra) {
        Map<String, String> config = configuration();
        config.putAll(extra);
        return LauncherDiscoveryRequestBuilder.request().selectors(selectors)
                .filters(EngineFilter.includeEngines("cucumber"), filter())
                .configurationParameters(config).build();
    }

    private PostDiscoveryFilter filter() {
        return descriptor -> {
            if (!descriptor.isTest()) {
                return FilterResult.included("a container");
            }
            Optional<String> why = leftOutBecause(descriptor);
            return why.isPresent() ? FilterResult.excluded(why.get()) : FilterResult.included("selected");
        };
    }

    private Optional<String> leftOutBecause(TestDescriptor d) {
        Optional<FileSource> source = fileSource(d.getSource());
        if (source.isPresent()) {
            Path file = source.get().getFile().toPath().toAbsolutePath().normalize();
            Set<Integer> wanted = lines.get(file);
            int line = source.get().getPosition().map(FilePosition::getLine).orElse(0);
            if (wanted != null && !wanted.contains(line)) {
                return Optional.of("not on the lines given");
            }
        }
        if (tags.isPresent() && !tags.get().evaluate(tagsOf(d.getTags()).stream().toList())) {
            return Optional.of("tags do not match " + tagText.orElse(""));
        }
        if (name.isPresent() && !name.get().matcher(displayName(d.getDisplayName(), d.getSource())).find()) {
            return Optional.of("name does not match " + name.get().pattern());
        }
        return Optional.empty();
    }

    /** Discovers the selected scenarios without running anything. */
    public List<Scenario> discover() throws UsageException {
        TestPlan plan;
        try {
            plan = LauncherFactory.create().discover(request(Map.of()));
        } catch (RuntimeException e) {
            throw new UsageException("cannot read the features: " + e.getMessage() + "; check --features");
        }
        return scenarios(plan);
    }

    /** The scenarios of a discovered plan, in order. */
    List<Scenario> scenarios(TestPlan plan) {
        List<Scenario> out = new ArrayList<>();
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier t : plan.getDescendants(root)) {
                if (t.isTest()) {
                    out.add(new Scenario(featureName(plan, t), displayName(t), ResultRecorder.location(t),
                            tagsOf(t.getTags())));
                }
            }
        }
        return out;
    }

    /** What to call a scenario: its name, or for an outline's example the name with its values. */
    String displayName(TestIdentifier id) {
        return displayName(id.getDisplayName(), id.getSource());
    }

    private String displayName(String displayName, Optional<TestSource> source) {
        Optional<FileSource> fs = fileSource(source);
        if (fs.isEmpty() || fs.get().getPosition().isEmpty()) {
            return displayName;
        }
        Path file = fs.get().getFile().toPath().toAbsolutePath().normalize();
        FeatureIndex index;
        synchronized (indexes) {
            index = indexes.get(file);
            if (index == null) {
                try {
                    index = FeatureIndex.read(file);
                } catch (UsageException e) {
                    return displayName;
                }
                indexes.put(file, index);
            }
        }
        return index.exampleName(fs.get().getPosition().get().getLine()).orElse(displayName);
    }

    /** The feature is the ancestor just below the engine's root. */
    static String featureName(TestPlan plan, TestIdentifier id) {
        TestIdentifier node = id;
        Optional<TestIdentifier> parent = plan.getParent(node);
        while (parent.isPresent() && parent.get().getParentId().isPresent()) {
            node = parent.get();
            parent = plan.getParent(node);
        }
        return node == id ? "" : node.getDisplayName();
    }

    static Set<String> tagsOf(Set<TestTag> tags) {
        return tags.stream().map(t -> "@" + t.getName()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Optional<FileSource> fileSource(Optional<TestSource> source) {
        return source.filter(FileSource.class::isInstance).map(FileSource.class::cast);
    }

    /** What was asked for, in words, for "nothing selected" messages. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        tagText.ifPresent(t -> parts.add("--tags '" + t + "'"));
        name.ifPresent(n -> parts.add("--name '" + n.pattern() + "'"));
        String hint = tagText.isPresent() && Pattern.compile("(^|[\\s(])[A-Za-z0-9_-]+([\\s)]|$)").matcher(
                tagText.get().replaceAll("\\b(and|or|not)\\b", " ")).find()
                ? " (tags start with @, e.g. @x509)" : "";
        return (parts.isEmpty() ? "the features given" : String.join(" and ", parts)) + hint;
    }
}
