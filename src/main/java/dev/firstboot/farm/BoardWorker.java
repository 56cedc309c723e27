package dev.firstboot.farm;

import dev.firstboot.rig.FarmFiles;
import dev.firstboot.rig.Rig;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.suite.NothingSelectedException;
import dev.firstboot.suite.RunSummary;
import dev.firstboot.suite.ScenarioResult;
import dev.firstboot.suite.SuiteRunner;
import dev.firstboot.suite.UsageException;
import dev.firstboot.timeline.Measurement;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One board's share of a farm run, in the farm's own JVM. The board keeps the rig its health check started; its
 * scenarios run in order, one at a time, on a thread of the board's own (so a driver that hangs holds up only this
 * board), with the farm's backend and JIT already warm. A scenario that runs past {@code scenario-timeout} fences the
 * board off: it is offline for the rest of the run, its scenarios still to come are not run, and its thread is left
 * behind as a daemon. Rig failures are retried on a freshly started rig, up to {@code retries} times.
 */
final class BoardWorker {
    static final String INTERRUPTED = "not run: the farm run was interrupted";
    /** How often a board's supervisor looks at the running scenario's clock. */
    private static final Duration WATCH = Duration.ofMillis(250);

    record Job(String runId, FarmFiles.Board board, List<ScenarioPlan.Planned> work, int repeat, int retries,
               Duration scenarioTimeout, Path boardDirectory, Path allureDirectory, RigFiles rigFiles,
               AtomicBoolean stopping) {
    }

    /** How a board's run of some scenarios ended, when it did not end on its own. */
    private enum Stop { NONE, INTERRUPTED, FENCED, BROKE }

    private final Job job;
    private final BiConsumer<String, String> progress;
    private final FarmReport.ReportedBoard state;
    private Rig rig;
    private volatile SuiteRunner.OnRig current;
    private volatile String fenced;

    BoardWorker(Job job, FarmReport.ReportedBoard state, Rig rig, BiConsumer<String, String> progress) {
        this.job = job;
        this.state = state;
        this.rig = rig;
        this.progress = progress;
    }

    List<ScenarioRun> run() {
        List<ScenarioRun> all = new ArrayList<>();
        for (int boot = 1; boot <= job.repeat(); boot++) {
            List<ScenarioPlan.Planned> pending = job.work();
            for (int attempt = 1; !pending.isEmpty(); attempt++) {
                if (job.stopping().get() || fenced != null) {
                    String why = fenced != null ? notRunFenced() : INTERRUPTED;
                    for (ScenarioPlan.Planned p : pending) {
                        all.add(record(p, boot, attempt, ScenarioRun.Outcome.NOT_RUN, why, 0, List.of()));
                    }
                    break;
                }
                if (job.repeat() > 1 || attempt > 1) {
                    progress.accept(job.board().name(), (attempt > 1 ? "retry " + (attempt - 1) + " of " + job.retries()
                            + " for " + pending.size() + " rig failure(s)" : "boot " + boot + " of " + job.repeat())
                            + " · " + pending.size() + " scenario(s)");
                }
                Path dir = job.boardDirectory().resolve("boot-" + boot + "-attempt-" + attempt);
                Launched launched = attempt > 1 ? restartRig(dir) : null;
                if (launched == null) {
                    launched = launch(pending, dir);
                }
                List<ScenarioRun> runs = results(launched, pending, boot, attempt);
                boolean mayRetry = attempt <= job.retries() && !job.stopping().get() && fenced == null;
                List<ScenarioPlan.Planned> again = new ArrayList<>();
                List<ScenarioRun> marked = new ArrayList<>();
                for (int i = 0; i < runs.size(); i++) {
                    ScenarioRun r = runs.get(i);
                    boolean retry = mayRetry && r.outcome() == ScenarioRun.Outcome.RIG_FAILURE;
                    if (retry) {
                        again.add(pending.get(i));
                    }
                    marked.add(retry ? withRetried(r) : r);
                }
                Map<String, ScenarioRun> byName = new HashMap<>();
                marked.forEach(r -> byName.put(r.name(), r));
                FarmReport.importAllure(launched.runDirectory().resolve("allure-results"), job.allureDirectory(), state,
                        byName, boot, job.repeat());
                all.addAll(marked);
                pending = again;
            }
        }
        return all;
    }

    /** Why this board went offline during the run, if a scenario overran its deadline on it. */
    Optional<String> fenced() {
        return Optional.ofNullable(fenced);
    }

    /** Ctrl-C: the board's run stops now, keeping the scenarios it finished. */
    void interrupt() {
        SuiteRunner.OnRig run = current;
        if (run != null) {
            run.stop("the farm run was interrupted");
        }
    }

    /** Stops the board's rig, at the end of the farm run. */
    synchronized void close() {
        if (rig != null) {
            try {
                rig.close();
            } catch (RuntimeException e) {
                progress.accept(job.board().name(), "the board's rig did not close cleanly: " + e.getMessage());
            }
        }
    }

    /** What one launch on the board gave: its summary, or why it has none, and how it ended. */
    private record Launched(Path runDirectory, Optional<RunSummary> summary, Stop stop, String problem) {
    }

    /**
     * A rig failure may have left the board's rig broken (its serial port gone): a retry starts the board's rig
     * again, as a new child process used to. Returns a launch result only when the rig could not start.
     */
    private Launched restartRig(Path dir) {
        synchronized (this) {
            Rig old = rig;
            rig = null;
            try {
                old.close();
            } catch (RuntimeException e) {
                // the old rig is being replaced; the new one must start all the same
            }
            try {
                rig = Rig.start(job.board().rig(), old.redactor(), dir.resolve("rig"));
                return null;
            } catch (RigException | RuntimeException e) {
                return new Launched(dir, Optional.empty(), Stop.BROKE,
                        "rig failure: the board's rig could not start again for the retry: " + e.getMessage());
            }
        }
    }

    /** Runs {@code work} on the board's rig on a daemon thread, and waits for it, its deadline or an interrupt. */
    private Launched launch(List<ScenarioPlan.Planned> work, Path dir) {
        PrintWriter console;
        try {
            Files.createDirectories(dir);
            console = new PrintWriter(new Relay(Files.newBufferedWriter(dir.resolve("console.txt"), StandardCharsets.UTF_8)),
                    true);
        } catch (IOException e) {
            return new Launched(dir, Optional.empty(), Stop.BROKE,
                    "rig failure: cannot write the board's run folder " + dir + ": " + e.getMessage());
        }
        try (console) {
            SuiteRunner.OnRig run;
            try {
                run = new SuiteRunner(job.rigFiles(), console).prepare(rig,
                        work.stream().map(p -> Path.of(p.location())).toList(), dir);
            } catch (UsageException | NothingSelectedException | RuntimeException e) {
                return new Launched(dir, Optional.empty(), Stop.BROKE,
                        "rig failure: the board's run could not start: " + e.getMessage());
            }
            current = run;
            if (job.stopping().get()) {
                return new Launched(run.runDirectory(), Optional.of(run.stop("the farm run was interrupted")),
                        Stop.INTERRUPTED, INTERRUPTED);
            }
            String[] broke = new String[1];
            Thread thread = new Thread(() -> {
                try {
                    run.execute();
                } catch (RuntimeException | Error e) {
                    broke[0] = "rig failure: the board's run broke: " + e;
                    run.stop("the board's run broke");
                }
            }, "board-" + job.board().name());
            // A driver that never returns must not keep the farm's JVM alive once the farm is done with the board.
            thread.setDaemon(true);
            thread.start();
            return await(run, thread, work.size(), broke);
        } finally {
            current = null;
        }
    }

    private Launched await(SuiteRunner.OnRig run, Thread thread, int scenarios, String[] broke) {
        long whole = System.nanoTime() + job.scenarioTimeout().multipliedBy(scenarios).plusSeconds(60).toNanos();
        while (true) {
            try {
                RunSummary summary = run.done().get(WATCH.toMillis(), TimeUnit.MILLISECONDS);
                if (job.stopping().get() && summary.interrupted()) {
                    return new Launched(run.runDirectory(), Optional.of(summary), Stop.INTERRUPTED, INTERRUPTED);
                }
                return broke[0] != null ? new Launched(run.runDirectory(), Optional.of(summary), Stop.BROKE, broke[0])
                        : new Launched(run.runDirectory(), Optional.of(summary), Stop.NONE, "");
            } catch (TimeoutException e) {
                Optional<Duration> running = run.runningScenario();
                boolean overran = running.isPresent() && running.get().compareTo(job.scenarioTimeout()) > 0;
                if (overran || System.nanoTime() > whole) {
                    return fence(run, thread, overran
                            ? "a scenario did not finish within scenario-timeout (" + seconds(job.scenarioTimeout()) + ")"
                            : "its run did not finish within scenario-timeout × scenarios + 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Launched(run.runDirectory(), Optional.of(run.stop("the farm run was interrupted")),
                        Stop.INTERRUPTED, INTERRUPTED);
            } catch (ExecutionException e) {
                return new Launched(run.runDirectory(), Optional.empty(), Stop.BROKE,
                        "rig failure: the board's run broke: " + e.getCause());
            }
        }
    }

    /** Takes the board offline: its run's reports are written now, its rig is stopped, its thread is left behind. */
    private Launched fence(SuiteRunner.OnRig run, Thread thread, String why) {
        fenced = "fenced off during the run: " + why + "; check the board and its driver";
        progress.accept(job.board().name(), "OFFLINE for the rest of this run: " + fenced);
        RunSummary summary = run.stop("board " + job.board().name() + " was " + fenced);
        thread.interrupt();
        Rig hung;
        synchronized (this) {
            hung = rig;
            rig = null;
        }
        // Stopping a rig whose driver hangs may hang too; the farm goes on without waiting for it.
        Thread closer = new Thread(() -> {
            try {
                hung.close();
            } catch (RuntimeException e) {
                // the board is offline already; its rig's own error adds nothing
            }
        }, "fence-" + job.board().name());
        closer.setDaemon(true);
        closer.start();
        return new Launched(run.runDirectory(), Optional.of(summary), Stop.FENCED,
                "rig failure: board " + job.board().name() + " was " + fenced);
    }

    private String notRunFenced() {
        return "not run: board " + job.board().name() + " was " + fenced;
    }

    /** The launch's results, one per scenario of {@code work}; a scenario it gave no result for is a rig failure. */
    private List<ScenarioRun> results(Launched launched, List<ScenarioPlan.Planned> work, int boot, int attempt) {
        Map<String, ScenarioResult> byLocation = new HashMap<>();
        launched.summary().ifPresent(s -> s.scenarios().forEach(r -> byLocation.put(r.location(), r)));
        List<ScenarioRun> out = new ArrayList<>();
        boolean firstUnfinished = true;
        for (ScenarioPlan.Planned p : work) {
            ScenarioResult r = byLocation.get(p.location());
            boolean finished = r != null && !(launched.stop() != Stop.NONE
                    && r.status() == dev.firstboot.suite.ScenarioStatus.NOT_RUN);
            if (!finished) {
                // The scenario that was running when a board was fenced off overran; those after it never began.
                ScenarioRun.Outcome outcome = switch (launched.stop()) {
                    case INTERRUPTED -> ScenarioRun.Outcome.NOT_RUN;
                    case FENCED -> firstUnfinished ? ScenarioRun.Outcome.RIG_FAILURE : ScenarioRun.Outcome.NOT_RUN;
                    case BROKE, NONE -> ScenarioRun.Outcome.RIG_FAILURE;
                };
                String message = launched.stop() == Stop.NONE
                        ? "rig failure: the board's run ended without a result for this scenario; see "
                        + launched.runDirectory().resolve("console.txt")
                        : outcome == ScenarioRun.Outcome.NOT_RUN && launched.stop() == Stop.FENCED ? notRunFenced()
                        : launched.problem();
                out.add(record(p, boot, attempt, outcome, message, 0, List.of()));
                firstUnfinished = false;
                continue;
            }
            String message = r.message();
            ScenarioRun.Outcome outcome = outcome(r.status(), message);
            List<ScenarioRun.Sample> samples = new ArrayList<>();
            for (Measurement m : r.measurements()) {
                samples.add(new ScenarioRun.Sample(m.name(), m.value(), m.unit(),
                        m.limited() ? m.limit() : Double.POSITIVE_INFINITY));
            }
            out.add(record(p, boot, attempt, outcome, message, r.duration().toMillis() / 1000.0, samples));
        }
        return out;
    }

    private static ScenarioRun withRetried(ScenarioRun r) {
        return new ScenarioRun(r.runId(), r.board(), r.host(), r.pool(), r.boot(), r.attempt(), r.feature(), r.name(),
                r.location(), r.outcome(), r.message(), r.durationSeconds(), r.measurements(), true);
    }

    private ScenarioRun record(ScenarioPlan.Planned p, int boot, int attempt, ScenarioRun.Outcome outcome, String message,
                               double seconds, List<ScenarioRun.Sample> samples) {
        return new ScenarioRun(job.runId(), job.board().name(), state.host(), state.pool(), boot, attempt, p.feature(),
                p.name(), p.location(), outcome, message, seconds, samples, false);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    /**
     * Everything the board's run prints goes to its console.txt; its scenario lines also go to the farm's output,
     * with the board's name in front.
     */
    private final class Relay extends Writer {
        private final Writer file;
        private final StringBuilder line = new StringBuilder();

        Relay(Writer file) {
            this.file = file;
        }

        @Override
        public synchronized void write(char[] chars, int offset, int length) throws IOException {
            file.write(chars, offset, length);
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    relay(line.toString());
                    line.setLength(0);
                } else {
                    line.append(chars[i]);
                }
            }
        }

        private void relay(String text) {
            String t = text.strip();
            if (t.matches("\\[\\s*\\d+/\\d+].*") || t.startsWith("↳") || t.startsWith("firstboot:")) {
                progress.accept(job.board().name(), text.stripTrailing());
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            file.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            if (!line.isEmpty()) {
                relay(line.toString());
                line.setLength(0);
            }
            file.close();
        }
    }

    /** How a scenario of a board's run ended, from its status and message. */
    static ScenarioRun.Outcome outcome(dev.firstboot.suite.ScenarioStatus status, String message) {
        return switch (status) {
            case PASSED -> ScenarioRun.Outcome.PASSED;
            case NOT_APPLICABLE -> ScenarioRun.Outcome.NOT_APPLICABLE;
            // timed on an overloaded host: infrastructure, retried like any rig failure
            case INCONCLUSIVE -> ScenarioRun.Outcome.RIG_FAILURE;
            case NOT_RUN -> FailureKind.of(message) == FailureKind.RIG
                    ? ScenarioRun.Outcome.RIG_FAILURE : ScenarioRun.Outcome.NOT_RUN;
            case FAILED -> FailureKind.of(message) == FailureKind.RIG
                    ? ScenarioRun.Outcome.RIG_FAILURE : ScenarioRun.Outcome.FAILED;
        };
    }
}
