package dev.firstboot.rig;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Finds and reads rig files ({@code rigs/NAME.yaml}). A rig file names its parts by kind; each kind comes from a
 * {@link PartProvider} found through ServiceLoader and validates its own fields.
 */
public final class RigFiles {
    /**
     * Scenarios at once on a rig whose parts allow many (simulators): four per core, as most of a scenario's time is
     * waiting, and at most 16. More would make the host, not the device, set the pace of timed phases.
     */
    public static final int DEFAULT_PARALLEL = Math.min(16, 4 * Runtime.getRuntime().availableProcessors());
    static final int MAX_PARALLEL = 64;
    public static final String DEFAULT_RIG = "embedded";

    private final Path rigsDirectory;

    public RigFiles(Path rigsDirectory) {
        this.rigsDirectory = rigsDirectory;
    }

    /** The rigs folder of the firstboot installation: {@code $FIRSTBOOT_HOME/rigs}, else {@code ./rigs}. */
    public static RigFiles ofInstallation() {
        String home = System.getenv("FIRSTBOOT_HOME");
        Path base = home == null || home.isBlank() ? Path.of("") : Path.of(home);
        return new RigFiles(base.resolve("rigs").toAbsolutePath().normalize());
    }

    public Path directory() {
        return rigsDirectory;
    }

    /** A rig by name ({@code embedded}) or by file path ({@code my-rig.yaml}, {@code ./rigs/x.yaml}). */
    public Path locate(String nameOrFile) throws RigException {
        boolean looksLikeFile = nameOrFile.endsWith(".yaml") || nameOrFile.endsWith(".yml") || nameOrFile.contains("/");
        Path file = looksLikeFile ? Path.of(nameOrFile) : rigsDirectory.resolve(nameOrFile + ".yaml");
        if (!Files.isRegularFile(file)) {
            throw new RigException("No rig named '" + nameOrFile + "': " + file.toAbsolutePath().normalize()
                    + " does not exist. Known rigs: " + String.join(", ", names())
                    + ". Run 'firstboot rigs' to list them, or pass a rig file path.");
        }
        return file;
    }

    /** Names of the rig files in the rigs folder (example files included). */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(rigsDirectory)) {
            files.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted()
                    .forEach(p -> out.add(p.getFileName().toString().replaceFirst("\\.yaml$", "")));
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }

    public RigSpec load(String nameOrFile) throws RigException {
        if (FarmFiles.isBoardReference(nameOrFile)) {
            return FarmFiles.boardRig(nameOrFile);
        }
        return read(locate(nameOrFile));
    }

    /** Reads and validates one rig file. */
    public static RigSpec read(Path file) throws RigException {
        PartConfig top = PartConfig.read(file, "no such rig file",
                "a rig file is a block of fields (name, description, backend, device, controls)");
        top.allowOnly("name", "description", "capabilities", "max-parallel", "backend", "device", "controls");
        String fallbackName = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String name = top.string("name", fallbackName);
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw top.error("name", "a rig name is letters, digits, '.', '_' and '-', got \"" + name + "\"");
        }
        String description = top.string("description", "");
        PartProvider.Spec<Backend> backend = configure(top, "backend", BackendProvider.class, null);
        PartProvider.Spec<Device> device = configure(top, "device", DeviceProvider.class, null);
        PartProvider.Spec<Controls> controls = configure(top, "controls", ControlsProvider.class, "none");
        int maxParallel = maxParallel(top, backend, device, controls);

        Set<String> capabilities = capabilities(top, backend, device, controls);
        return new RigSpec(name, description, file, capabilities, maxParallel, backend, device, controls);
    }

    /**
     * {@code max-parallel}: how many scenarios run at once, each on a lane of its own parts. The parts bound it (one
     * board is one lane); without the field it is as many as they allow, up to {@link #DEFAULT_PARALLEL}.
     */
    private static int maxParallel(PartConfig top, PartProvider.Spec<Backend> backend, PartProvider.Spec<Device> device,
                                   PartProvider.Spec<Controls> controls) throws RigException {
        int parts = Math.min(backend.instances(), Math.min(device.instances(), controls.instances()));
        if (!top.has("max-parallel")) {
            return Math.max(1, Math.min(parts, DEFAULT_PARALLEL));
        }
        int asked = top.integer("max-parallel", 1, 1, MAX_PARALLEL);
        if (asked > parts) {
            String which = backend.instances() == parts ? "backend" : device.instances() == parts ? "device" : "controls";
            throw top.error("max-parallel", "the rig's " + which + " runs " + (parts == 1 ? "one scenario"
                    : parts + " scenarios") + " at once (one board, or a fixed port, is one lane), so max-parallel"
                    + " is at most " + parts + ", got " + asked + "; for more boards at once use a farm (docs/farm.md)");
        }
        return asked;
    }

    static <T, P extends PartProvider<T>> PartProvider.Spec<T> configure(PartConfig top, String field,
                                                                              Class<P> type, String defaultKind)
            throws RigException {
        var providers = new TreeMap<String, P>();
        for (P p : ServiceLoader.load(type)) {
            providers.put(p.kind(), p);
        }
        var section = top.section(field);
        if (section.isEmpty()) {
            if (defaultKind != null && providers.containsKey(defaultKind)) {
                return declared(providers.get(defaultKind), providers.get(defaultKind).configure(emptySection(top, field)));
            }
            throw top.error("missing field '" + field + "': a rig needs a " + field + " with a 'kind' (one of "
                    + String.join(", ", providers.keySet()) + ")");
        }
        PartConfig part = section.get();
        String kind = part.string("kind");
        P provider = providers.get(kind);
        if (provider == null) {
            throw part.error("kind", "unknown " + field + " kind '" + kind + "'; known kinds: "
                    + String.join(", ", providers.keySet()));
        }
        return declared(provider, provider.configure(part));
    }

    /** A part's capabilities must be among those its kind declares, or scenarios elsewhere would not see them. */
    private static <T> PartProvider.Spec<T> declared(PartProvider<T> provider, PartProvider.Spec<T> spec) {
        Set<String> undeclared = new java.util.TreeSet<>(spec.capabilities());
        undeclared.addAll(spec.unavailable().keySet());
        undeclared.removeAll(provider.capabilityTags());
        if (!undeclared.isEmpty()) {
            throw new IllegalStateException("part kind '" + provider.kind() + "' (" + provider.getClass().getName()
                    + ") gives " + Capabilities.render(undeclared) + " but does not declare it in capabilityTags(); "
                    + "a tag no part kind declares is only a label, so scenarios on other rigs would not need it");
        }
        return spec;
    }

    private static PartConfig emptySection(PartConfig parent, String field) throws RigException {
        return new PartConfig(parent.file(), field, PartConfig.emptyBlock());
    }

    /** What the parts give, plus what the section declares under {@code capabilities} (each one some part kind declares). */
    static Set<String> capabilities(PartConfig section, PartProvider.Spec<?>... parts) throws RigException {
        Set<String> capabilities = new HashSet<>();
        for (PartProvider.Spec<?> part : parts) {
            capabilities.addAll(part.capabilities());
        }
        for (String declared : section.strings("capabilities")) {
            String c = declared.startsWith("@") ? declared.substring(1) : declared;
            if (!Capabilities.known().contains(c)) {
                throw section.error("capabilities", "unknown capability '" + declared + "'; known: "
                        + Capabilities.render(Capabilities.known()));
            }
            capabilities.add(c);
        }
        return capabilities;
    }
}
