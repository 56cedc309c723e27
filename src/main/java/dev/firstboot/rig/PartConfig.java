package dev.firstboot.rig;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One section of a rig file (a part, or a block inside one), read field by field. Each part validates its own
 * fields through this class, so every error names the file, the line and the field in the same way. Farm files and
 * the standalone emulator's config are read the same way.
 */
public final class PartConfig {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)?");

    private final Path file;
    private final String path;
    private final MappingNode node;
    private final Map<String, NodeTuple> fields = new LinkedHashMap<>();
    private final Set<String> read = new LinkedHashSet<>();

    PartConfig(Path file, String path, MappingNode node) throws RigException {
        this.file = file;
        this.path = path;
        this.node = node;
        for (NodeTuple tuple : node.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                throw error(tuple.getKeyNode(), path, "a field name must be a plain word");
            }
            if (fields.put(key.getValue(), tuple) != null) {
                throw error(tuple.getKeyNode(), qualified(key.getValue()), "the field is given twice");
            }
        }
    }

    /**
     * The top block of a YAML file of fields. A YAML error names the file, line and column; an empty file is an empty
     * block, in which every field takes its default.
     *
     * @param noSuchFile what to say, after the file's name, when it does not exist
     * @param notABlock  what to say when it holds a list or a single value ("a rig file is a block of fields …")
     */
    public static PartConfig read(Path file, String noSuchFile, String notABlock) throws RigException {
        return new PartConfig(file, "", compose(file, noSuchFile, notABlock));
    }

    /** A block with no fields, as if {@code file} were empty. */
    public static PartConfig empty(Path file) {
        try {
            return new PartConfig(file, "", emptyBlock());
        } catch (RigException e) {
            throw new IllegalStateException(e);
        }
    }

    static MappingNode compose(Path file, String noSuchFile, String notABlock) throws RigException {
        Node root;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(10);
            root = new Yaml(options).compose(reader);
        } catch (NoSuchFileException e) {
            throw new RigException(file + ": " + noSuchFile);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
            int column = e.getProblemMark() == null ? 0 : e.getProblemMark().getColumn() + 1;
            throw new RigException(file + ":" + line + ":" + column + ": not valid YAML: " + e.getProblem()
                    + ". Check the indentation and the quoting on that line.");
        } catch (YAMLException | IOException e) {
            throw new RigException(file + ": cannot be read: " + e.getMessage());
        }
        if (root == null) {
            return emptyBlock();
        }
        if (!(root instanceof MappingNode mapping)) {
            throw new RigException(file + ":1:1: " + notABlock);
        }
        return mapping;
    }

    static MappingNode emptyBlock() {
        return (MappingNode) new Yaml().compose(new StringReader("{}"));
    }

    public Path file() {
        return file;
    }

    /** The directory relative paths in this rig file are resolved against. */
    public Path baseDirectory() {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".").toAbsolutePath() : parent;
    }

    public String path() {
        return path;
    }

    public boolean has(String key) {
        return fields.containsKey(key);
    }

    /** The field names this section gives, in file order (for a block whose keys are names, like variables). */
    public List<String> keys() {
        return List.copyOf(fields.keySet());
    }

    /** True when {@code key} is given as one value rather than a list or a block. */
    public boolean isSingleValue(String key) {
        NodeTuple t = fields.get(key);
        return t != null && t.getValueNode() instanceof ScalarNode;
    }

    public String string(String key) throws RigException {
        return optionalString(key).orElseThrow(() -> missing(key, "a text value"));
    }

    public Optional<String> optionalString(String key) throws RigException {
        Node value = value(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof ScalarNode scalar)) {
            throw error(value, qualified(key), "expected a single value, got a " + shape(value));
        }
        return Optional.of(scalar.getValue());
    }

    public String string(String key, String fallback) throws RigException {
        return optionalString(key).orElse(fallback);
    }

    /** A TCP port to listen on or reach, 1 to 65535; 0 where any free port will do. */
    public int port(String key, int fallback) throws RigException {
        Optional<String> text = optionalString(key);
        if (text.isEmpty()) {
            return fallback;
        }
        String t = text.get().trim();
        if (t.matches("\\d{1,5}") && Integer.parseInt(t) <= 65535) {
            return Integer.parseInt(t);
        }
        throw error(value(key), qualified(key), "expected a TCP port from 1 to 65535 (0 = any free port), got \""
                + text.get() + "\"");
    }

    public int integer(String key, int fallback, int min, int max) throws RigException {
        Optional<String> text = optionalString(key);
        if (text.isEmpty()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(text.get().trim());
            if (v < min || v > max) {
                throw error(value(key), qualified(key), "expected a whole number from " + min + " to " + max + ", got " + v);
            }
            return v;
        } catch (NumberFormatException e) {
            throw error(value(key), qualified(key), "expected a whole number, got \"" + text.get() + "\"");
        }
    }

    public boolean bool(String key, boolean fallback) throws RigException {
        Optional<String> text = optionalString(key);
        if (text.isEmpty()) {
            return fallback;
        }
        return switch (text.get().trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error(value(key), qualified(key), "expected true or false, got \"" + text.get() + "\"");
        };
    }

    /** A duration written as {@code 500ms}, {@code 2s}, {@code 1.5s} or {@code 3m}; a bare number means seconds. */
    public Duration duration(String key, Duration fallback) throws RigException {
        Optional<String> text = optionalString(key);
        if (text.isEmpty()) {
            return fallback;
        }
        Matcher m = DURATION.matcher(text.get().trim());
        if (!m.matches()) {
            throw error(value(key), qualified(key), "expected a duration like 500ms, 2s or 1m, got \"" + text.get() + "\"");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        long millis = Math.round(switch (unit) {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            default -> amount * 1000;
        });
        return Duration.ofMillis(millis);
    }

    /** A file path, resolved against the rig file's directory; it must exist. */
    public Path existingFile(String key) throws RigException {
        String text = string(key);
        Path p = baseDirectory().resolve(text).normalize();
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw error(value(key), qualified(key), "no such file: " + p + " (paths are relative to " + baseDirectory()
                    + ", the folder of " + file.getFileName() + ")");
        }
        return p;
    }

    public List<String> strings(String key) throws RigException {
        Node value = value(key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof ScalarNode scalar) {
            return scalar.getValue().isBlank() ? List.of() : List.of(scalar.getValue());
        }
        if (!(value instanceof SequenceNode seq)) {
            throw error(value, qualified(key), "expected a list like [a, b], got a " + shape(value));
        }
        List<String> out = new ArrayList<>();
        for (Node item : seq.getValue()) {
            if (!(item instanceof ScalarNode s)) {
                throw error(item, qualified(key), "expected a list of plain values, got a " + shape(item));
            }
            out.add(s.getValue());
        }
        return out;
    }

    public Optional<PartConfig> section(String key) throws RigException {
        Node value = value(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof MappingNode mapping)) {
            throw error(value, qualified(key), "expected a block of fields, got a " + shape(value));
        }
        return Optional.of(new PartConfig(file, qualified(key), mapping));
    }

    public List<PartConfig> sections(String key) throws RigException {
        Node value = value(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof SequenceNode seq)) {
            throw error(value, qualified(key), "expected a list of blocks, got a " + shape(value));
        }
        List<PartConfig> out = new ArrayList<>();
        int i = 0;
        for (Node item : seq.getValue()) {
            if (!(item instanceof MappingNode mapping)) {
                throw error(item, qualified(key) + "[" + i + "]", "expected a block of fields, got a " + shape(item));
            }
            out.add(new PartConfig(file, qualified(key) + "[" + i + "]", mapping));
            i++;
        }
        return out;
    }

    /** Rejects any field the part does not know, listing those it does: a typo must never be silently ignored. */
    public void allowOnly(String... known) throws RigException {
        Set<String> allowed = Set.of(known);
        for (Map.Entry<String, NodeTuple> field : fields.entrySet()) {
            if (!allowed.contains(field.getKey())) {
                throw error(field.getValue().getKeyNode(), qualified(field.getKey()),
                        "unknown field; known fields here are: " + String.join(", ", known));
            }
        }
    }

    /** An error at this section's own line. */
    public RigException error(String message) {
        return error(node, path, message);
    }

    /** An error at one field's line. */
    public RigException error(String key, String message) {
        Node at = value(key);
        return error(at == null ? node : at, qualified(key), message);
    }

    private RigException missing(String key, String what) {
        return error(node, qualified(key), "missing field: expected " + what);
    }

    private Node value(String key) {
        read.add(key);
        NodeTuple t = fields.get(key);
        return t == null ? null : t.getValueNode();
    }

    private String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private RigException error(Node at, String field, String message) {
        int line = at.getStartMark() == null ? 0 : at.getStartMark().getLine() + 1;
        int column = at.getStartMark() == null ? 0 : at.getStartMark().getColumn() + 1;
        return new RigException(file + ":" + line + ":" + column + ": " + (field.isEmpty() ? "" : field + ": ") + message);
    }

    private static String shape(Node n) {
        return n instanceof MappingNode ? "block of fields" : n instanceof SequenceNode ? "list" : "single value";
    }
}
