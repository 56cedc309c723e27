package dev.firstboot.suite;

import dev.firstboot.secret.Redactor;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.FilePosition;
import org.junit.platform.engine.support.descriptor.FileSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns JUnit Platform events for Cucumber scenarios into {@link ScenarioResult}s, in the order they finish.
 * It keeps the plan, so an interrupted run can still list what never ran.
 */
final class ResultRecorder implements TestExecutionListener {
    private final RunContext context;
    private final Redactor redactor;
    private final Selection selection;
    private final ProgressPrinter progress;
    private final Map<String, TestIdentifier> planned = new LinkedHashMap<>();
    private final Map<String, Long> startedNanos = new LinkedHashMap<>();
    private final Map<String, Instant> startedAt = new LinkedHashMap<>();
    /** Scenarios begun and not finished, by unique id, with when they began. */
    private final Map<String, Long> running = new LinkedHashMap<>();
    private final List<ScenarioResult> results = new ArrayList<>();
    private TestPlan plan;
    private Runnable onPlan = () -> { };

    ResultRecorder(RunContext context, Redactor redactor, Selection selection, ProgressPrinter progress) {
        this.context = context;
        this.redactor = redactor;
        this.selection = selection;
        this.progress = progress;
    }

    void onPlan(Runnable r) {
        this.onPlan = r;
    }

    @Override
    public synchronized void testPlanExecutionStarted(TestPlan testPlan) {
        this.plan = testPlan;
        for (TestIdentifier root : testPlan.getRoots()) {
            testPlan.getDescendants(root).stream().filter(TestIdentifier::isTest)
                    .forEach(t -> planned.put(t.getUniqueId(), t));
        }
        onPlan.run();
    }

    synchronized int plannedCount() {
        return planned.size();
    }

    @Override
    public synchronized void executionStarted(TestIdentifier id) {
        if (id.isTest()) {
            startedNanos.put(id.getUniqueId(), System.nanoTime());
            startedAt.put(id.getUniqueId(), Instant.now());
            running.put(id.getUniqueId(), System.nanoTime());
            progress.scenarioStarted(selection.displayName(id));
        }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        if (id.isTest()) {
            finish(id, ScenarioStatus.NOT_RUN, "not run: " + reason, "");
        }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (!id.isTest()) {
            return;
        }
        Optional<Throwable> t = result.getThrowable();
        switch (result.getStatus()) {
            case SUCCESSFUL -> finish(id, ScenarioStatus.PASSED, "", "");
            case ABORTED -> {
                if (t.orElse(null) instanceof NotApplicableException e) {
                    finish(id, ScenarioStatus.NOT_APPLICABLE, e.getMessage(), "");
                } else if (t.orElse(null) instanceof NotRunException e) {
                    finish(id, ScenarioStatus.NOT_RUN, e.getMessage(), "");
                } else {
                    // Anything else that stops a scenario (pending or undefined steps) must never look like a pass.
                    finish(id, ScenarioStatus.FAILED, t.map(ResultRecorder::describe).orElse("aborted"), trace(t));
                }
            }
            case FAILED -> {
                boolean inconclusive = t.filter(ResultRecorder::inconclusive).isPresent();
                finish(id, inconclusive ? ScenarioStatus.INCONCLUSIVE : ScenarioStatus.FAILED,
                        t.map(ResultRecorder::describe).orElse("failed"), trace(t));
                context.failed(id.getDisplayName());
            }
        }
    }

    private void finish(TestIdentifier id, ScenarioStatus status, String message, String detail) {
        ScenarioResult r;
        synchronized (this) {
            running.remove(id.getUniqueId());
            if (!planned.containsKey(id.getUniqueId())) {
                planned.put(id.getUniqueId(), id);
            }
            Long start = startedNanos.get(id.getUniqueId());
            Duration d = start == null ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - start);
            Instant at = startedAt.getOrDefault(id.getUniqueId(), Instant.now());
            String location = location(id);
            r = new ScenarioResult(featureName(id), selection.displayName(id), location, status, at, d,
                    redactor.mask(message), redactor.mask(detail), context.measurements(keyOf(id)));
            results.add(r);
        }
        progress.finished(r, status == ScenarioStatus.NOT_APPLICABLE
                ? context.rig().spec().notApplicable(Selection.tagsOf(id.getTags())) : Optional.empty());
    }

    /** How long the longest-running scenario that has begun and not finished has run; empty when none is running. */
    synchronized Optional<Duration> runningFor() {
        return running.values().stream().min(Long::compare).map(start -> Duration.ofNanos(System.nanoTime() - start));
    }

    /** Results so far, plus a NOT_RUN entry for every planned scenario that has not finished. */
    synchronized List<ScenarioResult> closeOut(String reasonForRest) {
        List<ScenarioResult> out = new ArrayList<>(results);
        java.util.Set<String> done = new java.util.HashSet<>();
        for (ScenarioResult r : results) {
            done.add(r.location());
        }
        for (TestIdentifier id : planned.values()) {
            if (!done.contains(location(id))) {
                out.add(new ScenarioResult(featureName(id), selection.displayName(id), location(id), ScenarioStatus.NOT_RUN,
                        Instant.now(), Duration.ZERO, "not run: " + reasonForRest, "", List.of()));
            }
        }
        return out;
    }

    private String featureName(TestIdentifier id) {
        return plan == null ? "" : Selection.featureName(plan, id);
    }

    static String location(TestIdentifier id) {
        Optional<TestSource> source = id.getSource();
        if (source.isPresent() && source.get() instanceof FileSource fs) {
            int line = fs.getPosition().map(FilePosition::getLine).orElse(0);
            return fs.getFile().toPath().toAbsolutePath().normalize() + ":" + line;
        }
        return id.getUniqueId();
    }

    static String keyOf(TestIdentifier id) {
        return location(id);
    }

    private static boolean inconclusive(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InconclusiveException) {
                return true;
            }
        }
        return false;
    }

    /** The worst lag the run's probe saw from its start until now, for the summary. */
    java.time.Duration hostLag() {
        return context.hostLag().worstLag();
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            m = t.getClass().getSimpleName();
        }
        return m.strip();
    }

    private static String trace(Optional<Throwable> t) {
        if (t.isEmpty()) {
            return "";
        }
        StringWriter out = new StringWriter();
        t.get().printStackTrace(new PrintWriter(out));
        // Keep the reader's eye on our frames: drop the framework tail after the first step-definition frame.
        StringBuilder kept = new StringBuilder();
        for (String line : out.toString().split("\n")) {
            kept.append(line).append('\n');
            if (line.contains("dev.firstboot.steps.")) {
                break;
            }
        }
        return kept.toString();
    }
}
