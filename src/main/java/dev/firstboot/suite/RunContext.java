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
 *
 * <p>A run is found from the thread that asks: a farm runs each board's scenarios on that board's own thread, several
 * boards at once in one JVM, and each of those threads is bound to its board's run. Any other thread (the JUnit
 * Platform's workers of an ordinary run, one run per JVM) finds the run that was opened for the whole process.
 */
public final class RunContext {
    private static final AtomicReference<RunContext> CURRENT = new AtomicReference<>();
    private static final ThreadLocal<RunContext> ON_THREAD = new ThreadLocal<>();

    private final String runId;
    private final Rig rig;
    private final Path runDirectory;
    private final boolean failFast;
    private final Map<String, List<Measurement>> measurements = new ConcurrentHashMap<>();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    private final AtomicReference<String> stopped = new AtomicReference<>();
    private final io.qameta.allure.AllureResultsWriter allureWriter;
    private volatile ProgressPrinter progress;
    private volatile dev.firstboot.timeline.HostLagProbe hostLag = dev.firstboot.timeline.HostLagProbe.idle();

    RunContext(String runId, Rig rig, Path runDirectory, boolean failFast) {
        this.runId = runId;
        this.rig = rig;
        this.runDirectory = runDirectory;
        this.failFast = failFast;
        this.allureWriter = new io.qameta.allure.FileSystemResultsWriter(runDirectory.resolve("allure-results"));
    }

    /** The run in progress; glue that runs outside a firstboot run gets a clear error. */
    public static RunContext current() {
        RunContext c = currentOrNull();
        if (c == null) {
            throw new IllegalStateException("No firstboot run is in progress: run the features with 'firstboot run', "
                    + "not with a bare Cucumber runner");
        }
        return c;
    }

    /** The run in progress, or null outside one (for listeners that may also run elsewhere). */
    static RunContext currentOrNull() {
        RunContext mine = ON_THREAD.get();
        return mine != null ? mine : CURRENT.get();
    }

    /** The run of the whole process, for every thread not bound to a run of its own. */
    static void open(RunContext context) {
        CURRENT.set(context);
    }

    static void close(RunContext context) {
        CURRENT.compareAndSet(context, null);
    }

    /** The run of this thread only (a farm board's), whatever else runs in the process. */
    static void openOnThisThread(RunContext context) {
        ON_THREAD.set(context);
    }

    static void closeOnThisThread() {
        ON_THREAD.remove();
    }

    /** Where this run's Allure results and attachments go. */
    io.qameta.allure.AllureResultsWriter allureWriter() {
        return allureWriter;
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

    /**
     * Why scenarios that have not begun are not to run: after the first failure with --fail-fast, or once the run was
     * stopped (a farm interrupted, or its board fenced off).
     */
    public Optional<String> stopReason() {
        String stop = stopped.get();
        if (stop != null) {
            return Optional.of(stop);
        }
        String first = failFast ? firstFailure.get() : null;
        return first == null ? Optional.empty() : Optional.of("--fail-fast stopped the run after \"" + first + "\" failed");
    }

    /** No scenario begins after this; {@code reason} is what they are marked not run with. */
    void stop(String reason) {
        stopped.compareAndSet(null, reason);
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
