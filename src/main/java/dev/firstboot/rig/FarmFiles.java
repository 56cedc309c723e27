package dev.firstboot.rig;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a farm inventory: boards, each a serial rig of its own (device, controls, capabilities) with a name and an
 * optional host and pool, sharing one backend. Each board becomes a {@link RigSpec} named after the board;
 * {@code FILE#BOARD} names one board's rig wherever a rig file is accepted ({@code firstboot run --rig}).
 */
public final class FarmFiles {
    static final String BOARD_SEPARATOR = "#";
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]*";

    private FarmFiles() {
    }

    /** One board of the inventory. {@code pool} groups equivalent boards; it defaults to the board's name. */
    public record Board(String name, Optional<String> host, String pool, RigSpec rig) {
    }

    /** A validated farm file. */
    public record Farm(String name, Path source, Duration scenarioTimeout, List<Board> boards) {
        public Farm {
            boards = List.copyOf(boards);
        }

        public Optional<Board> board(String name) {
            return boards.stream().filter(b -> b.name().equals(name)).findFirst();
        }
    }

    /** Whether a file in rigs/ is a farm inventory (it lists boards) rather than a rig file. */
    public static boolean isFarmFile(Path file) {
        try {
            return field(compose(file), "boards") != null;
        } catch (RigException e) {
            return false;
        }
    }

    /** Whether a rig reference names a board in a farm file ({@code farm.yaml#devkit-01}). */
    static boolean isBoardReference(String nameOrFile) {
        int at = nameOrFile.lastIndexOf(BOARD_SEPARATOR);
        return at > 0 && at < nameOrFile.length() - 1 && nameOrFile.substring(0, at).matches(".*\\.ya?ml");
    }

    /** The rig of one board: {@code farm.yaml#devkit-01}. */
    static RigSpec boardRig(String reference) throws RigException {
        int at = reference.lastIndexOf(BOARD_SEPARATOR);
        Path file = Path.of(reference.substring(0, at));
        String board = reference.substring(at + 1);
        Farm farm = read(file);
        return farm.board(board).map(Board::rig).orElseThrow(() -> new RigException(file + ": no board named '" + board
                + "'; its boards are " + farm.boards().stream().map(Board::name).toList()));
    }

    public static Farm read(Path file) throws RigException {
        MappingNode root = compose(file);
        PartConfig top = new PartConfig(file, "", root);
        top.allowOnly("name", "description", "backend", "scenario-timeout", "boards");
        String fallback = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String name = top.string("name", fallback);
        if (!name.matches(NAME)) {
            throw top.error("name", "a farm name is letters, digits, '.', '_' and '-', got \"" + name + "\"");
        }
        top.string("description", "");
        Duration scenarioTimeout = top.duration("scenario-timeout", Duration.ofMinutes(5));
        if (scenarioTimeout.isZero()) {
            throw top.error("scenario-timeout", "must be more than 0, e.g. 5m");
        }
        if (top.section("backend").isEmpty()) {
            throw top.error("missing field 'backend': the boards' shared backend, e.g. backend: {kind: embedded}");
        }
        Node boardsNode = field(root, "boards");
        if (!(boardsNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            throw boardsNode == null
                    ? top.error("missing field 'boards': a farm lists its boards, each with a name and a device")
                    : top.error("boards", "expected a list of boards (- name: …, device: …), got "
                    + (boardsNode instanceof SequenceNode ? "an empty list" : "something else"));
        }
        // Configured once for every board: the boards' backends are then tenants of one backend (on the embedded kind,
        // one CA and one set of event loops), each with its own listeners, enrollments and faults, as a rig's lanes are.
        PartProvider.Spec<Backend> backend = RigFiles.configure(top, "backend", BackendProvider.class, null);
        List<Board> boards = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Map<String, String> ports = new LinkedHashMap<>();
        int i = 0;
        for (Node item : seq.getValue()) {
            if (!(item instanceof MappingNode mapping)) {
                int line = item.getStartMark() == null ? 0 : item.getStartMark().getLine() + 1;
                int column = item.getStartMark() == null ? 0 : item.getStartMark().getColumn() + 1;
                throw new RigException(file + ":" + line + ":" + column + ": boards[" + i + "]: expected a board "
                        + "(a block of fields: name, device, controls…)");
            }
            PartConfig byIndex = new PartConfig(file, "boards[" + i + "]", mapping);
            Optional<String> boardName = byIndex.optionalString("name");
            if (boardName.isEmpty()) {
                throw byIndex.error("missing field 'name': every board has a unique name, e.g. devkit-01");
            }
            if (!boardName.get().matches(NAME)) {
                throw byIndex.error("name", "a board name is letters, digits, '.', '_' and '-', got \"" + boardName.get() + "\"");
            }
            if (!names.add(boardName.get())) {
                throw byIndex.error("name", "board '" + boardName.get() + "' is listed twice; board names must be unique");
            }
            PartConfig board = new PartConfig(file, "boards[" + boardName.get() + "]", mapping);
            boards.add(board(backend, board, boardName.get(), ports));
            i++;
        }
        return new Farm(name, file, scenarioTimeout, boards);
    }

    private static Board board(PartProvider.Spec<Backend> backend, PartConfig board, String name, Map<String, String> ports)
            throws RigException {
        board.allowOnly("name", "host", "pool", "description", "capabilities", "device", "controls");
        Optional<String> host = board.optionalString("host");
        if (host.isPresent() && !host.get().matches(NAME)) {
            throw board.error("host", "a host label is letters, digits, '.', '_' and '-' (it is a CI runner label), got \""
                    + host.get() + "\"");
        }
        String pool = board.string("pool", name);
        if (!pool.matches(NAME)) {
            throw board.error("pool", "a pool label is letters, digits, '.', '_' and '-', got \"" + pool + "\"");
        }
        String description = board.string("description", "board " + name + " of the farm");
        PartProvider.Spec<Device> device = RigFiles.configure(board, "device", DeviceProvider.class, null);
        PartProvider.Spec<Controls> controls = RigFiles.configure(board, "controls", ControlsProvider.class, "none");
        Optional<PartConfig> deviceSection = board.section("device");
        Optional<String> port = deviceSection.isPresent() && deviceSection.get().has("port")
                ? deviceSection.get().optionalString("port") : Optional.empty();
        if (port.isPresent()) {
            String key = host.orElse("") + " " + port.get();
            String other = ports.put(key, name);
            if (other != null) {
                throw deviceSection.get().error("port", "board " + other + " already uses " + port.get()
                        + (host.isPresent() ? " on host " + host.get() : "") + "; two boards cannot share a serial port");
            }
        }
        Set<String> capabilities = RigFiles.capabilities(board, backend, device, controls);
        RigSpec rig = new RigSpec(name, description, board.file(), capabilities, 1, backend, device, controls);
        return new Board(name, host, pool, rig);
    }

    private static Node field(MappingNode node, String key) {
        for (NodeTuple t : node.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static MappingNode compose(Path file) throws RigException {
        return PartConfig.compose(file, "no such farm file; pass --farm with the path of your inventory "
                + "(see rigs/farm.example.yaml)", "a farm file is a block of fields (name, backend, boards)");
    }
}
