package dev.firstboot.suite;

import dev.firstboot.rig.Lane;
import dev.firstboot.rig.Rig;
import dev.firstboot.timeline.Measurement;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the running suite shares with the step definitions: the started rig, where reports go, and what each
 * scenario measured. Cucumber instantiates glue itself, so this is the one place glue finds the run.
 */
public final class RunContext {
    private static final AtomicReference<RunContext> CURRENT = new AtomicReference<>();

    private final String runId;
    private final Rig rig;
    private final Path runDirectory;
    private final boolean failFast;
    private final Map<String, List<Measurement>> measurements = new ConcurrentHashMap<>();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private volatile ProgressPrinter progress;
    private volatile dev.firstboot.timeline.HostLagProbe hostLag = dev.firstboot.timeline.HostLagProbe.idle();

    RunContext(String runId, Rig rig, Path runDirectory, boolean failFast) {
        this.runId = runId;
        this.rig = rig;
        this.runDirectory = runDirectory;
        this.failFast = failFast;
    }

    /** The run in progress; glue that runs outside a firstboot run gets a clear error. */
    public static RunContext current() {
        RunContext c = CURRENT.get();
        if (c == null) {
            throw new IllegalStateException("No firstboot run is in progress: run the features with 'firstboot run', "
                    + "not with a bare Cucumber runner");
        }
        return c;
    }

    /** The run in progress, or null outside one (for listeners that may also run elsewhere). */
    static RunContext currentOrNull() {
        return CURRENT.get();
    }

    static void open(RunContext context) {
        CURRENT.set(context);
    }

    static void close(RunContext context) {
        CURRENT.compareAndSet(context, null);
    }

    public String runId() {
        return runId;
    }

    public Rig rig() {
        return rig;
    }

    public Path runDirectory() {
        return runDirectory;
    }

    /** Key of a scenario: its feature file and line, as both Cucumber and the JUnit Platform can name it. */
    public static String scenarioKey(String featureFile, int line) {
        return Path.of(featureFile).toAbsolutePath().normalize() + ":" + line;
    }

    public void addMeasurement(String scenarioKey, Measurement m) {
        measurements.computeIfAbsent(scenarioKey, k -> java.util.Collections.synchronizedList(new ArrayList<>())).add(m);
    }

    List<Measurement> measurements(String scenarioKey) {
        List<Measurement> list = measurements.get(scenarioKey);
        if (list == null) {
            return List.of();
        }
        synchronized (list) {
            return List.copyOf(list);
        }
    }

    void progress(ProgressPrinter p) {
        this.progress = p;
    }

    /** What the run shows as it goes, or null before it is set. */
    ProgressPrinter progress() {
        return progress;
    }

    void hostLag(dev.firstboot.timeline.HostLagProbe probe) {
        this.hostLag = probe;
    }

    /** How late the harness's own threads ran during the run: time limits are judged with it ({@link TimeLimits}). */
    public dev.firstboot.timeline.HostLagProbe hostLag() {
        return hostLag;
    }

    /** With --fail-fast, the first failed scenario; later scenarios are not run. */
    public Optional<String> failFastStop() {
        return failFast ? Optional.ofNullable(firstFailure.get()) : Optional.empty();
    }

    /** A scenario (by its Cucumber test case id) holds {@code lane} until {@link #released}. */
    public void holds(String scenarioId, Lane lane) {
        lanes.put(scenarioId, lane);
    }

    public void released(String scenarioId) {
        lanes.remove(scenarioId);
    }

    /** The lane a running scenario holds, for listeners that follow its timeline. */
    Optional<Lane> laneOf(String scenarioId) {
        return Optional.ofNullable(lanes.get(scenarioId));
    }

    void failed(String scenarioName) {
        firstFailure.compareAndSet(null, scenarioName);
    }
}
