package dev.firstboot.farm;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.rig.FarmFiles;
import dev.firstboot.rig.Rig;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.SecretScan;
import dev.firstboot.suite.UsageException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code firstboot run --farm FILE}: health-checks every selected board, then runs the selected scenarios on every
 * capable board (or, with {@code spread}, once per pool of equivalent boards), one scenario at a time per board and
 * all boards at once, and writes one report for the farm.
 */
public final class FarmRunner {
    /**
     * @param boards  board names to use; empty for every board in the inventory
     * @param spread  run each scenario once per pool instead of on every board
     * @param repeat  boots per scenario and board, for timing statistics
     * @param retries how many times a rig failure is retried
     */
    public record Options(Path farmFile, List<String> boards, boolean spread, int repeat, int retries,
                          Optional<String> tags, List<Path> features, Path reportRoot) {
        public Options {
            boards = List.copyOf(boards);
            features = List.copyOf(features);
        }
    }

    /** What a farm run ended with: its folder, every scenario run, the boards' states and the exit code. */
    public record Outcome(Path runDirectory, List<ScenarioRun> runs, List<FarmReport.ReportedBoard> boards,
                          Duration wallTime, int exitCode) {
    }

    private final PrintWriter out;

    public FarmRunner(PrintWriter out) {
        this.out = out;
    }

    public Outcome run(Options options) throws RigException, UsageException {
        if (options.repeat() < 1 || options.repeat() > 1000) {
            throw new UsageException("--repeat must be 1 to 1000, got " + options.repeat());
        }
        if (options.retries() < 0 || options.retries() > 10) {
            throw new UsageException("--retries must be 0 to 10, got " + options.retries());
        }
        FarmFiles.Farm farm = FarmFiles.read(options.farmFile());
        List<FarmFiles.Board> boards = select(farm, options.boards());
        List<ScenarioPlan.Planned> plan = ScenarioPlan.discover(options.features(), options.tags());
        if (plan.isEmpty()) {
            throw new UsageException("no scenario matches --tags/--features; nothing to run on the farm");
        }
        String runId = "farm-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + UUID.randomUUID().toString().substring(0, 4);
        Path runDir = options.reportRoot().resolve(runId).toAbsolutePath().normalize();
        Path allureDir = runDir.resolve("allure-results");
        try {
            Files.createDirectories(allureDir);
        } catch (IOException e) {
            throw new UsageException("cannot create the report folder " + runDir + ": " + e.getMessage()
                    + ". Choose another with --report DIR.");
        }
        long t0 = System.nanoTime();
        say("firstboot farm " + farm.name() + " · " + boards.size() + " board(s) · " + plan.size() + " scenario(s) · "
                + (options.spread() ? "spread over each pool" : "every board") + " · repeat " + options.repeat()
                + " · retries " + options.retries() + " · reports in " + runDir);

        // Health checks, all boards at once. A board that passes keeps its started rig for its scenarios.
        Map<String, Health> health = new LinkedHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(boards.size(), r -> {
            Thread t = new Thread(r, "farm-board");
            t.setDaemon(true);
            return t;
        });
        java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Finisher> finisher = new java.util.concurrent.atomic.AtomicReference<>();
        Map<String, Worker> workers = new ConcurrentHashMap<>();
        Map<String, Rig> idleRigs = new ConcurrentHashMap<>();
        Thread hook = new Thread(() -> {
            // Ctrl-C: start no new scenario, stop the boards' runs (each keeps what it finished), then report.
            stopping.set(true);
            workers.values().forEach(w -> w.worker().interrupt());
            Finisher f = finisher.get();
            if (f != null) {
                f.awaitWorkers(Duration.ofSeconds(30));
            }
            closeRigs(workers, idleRigs);
            if (f != null) {
                f.finish(true);
            }
        }, "farm-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Map<String, Future<Health>> checks = new LinkedHashMap<>();
            for (FarmFiles.Board b : boards) {
                checks.put(b.name(), pool.submit(() -> Health.check(b, runDir.resolve("boards").resolve(b.name())
                        .resolve("rig"), Duration.ofSeconds(60))));
            }
            for (FarmFiles.Board b : boards) {
                Health h = get(checks.get(b.name()), new Health.Offline("the health check did not complete"));
                health.put(b.name(), h);
                if (h instanceof Health.Online on) {
                    on.rig().ifPresent(rig -> idleRigs.put(b.name(), rig));
                }
                say(b.name(), h instanceof Health.Offline off ? "OFFLINE for this run: health check failed: " + off.reason()
                        : "health check passed: " + ((Health.Online) h).detail());
            }
            List<FarmReport.ReportedBoard> states = new ArrayList<>();
            for (FarmFiles.Board b : boards) {
                Health h = health.get(b.name());
                states.add(new FarmReport.ReportedBoard(b.name(), b.host().orElse(""), b.pool(), h instanceof Health.Online,
                        h instanceof Health.Offline off ? off.reason() : ((Health.Online) h).detail()));
            }

            Map<String, List<ScenarioPlan.Planned>> work = assign(boards, health, plan, options.spread());
            List<ScenarioRun> runs = new ArrayList<>(offlineRuns(runId, boards, states, health, plan, options, allureDir));
            RigFiles rigFiles = RigFiles.ofInstallation();
            for (int i = 0; i < boards.size(); i++) {
                FarmFiles.Board b = boards.get(i);
                List<ScenarioPlan.Planned> mine = work.getOrDefault(b.name(), List.of());
                Rig rig = idleRigs.get(b.name());
                if (rig == null || mine.isEmpty()) {
                    continue;
                }
                say(b.name(), mine.size() + " scenario(s) to run");
                BoardWorker.Job job = new BoardWorker.Job(runId, b, mine, options.repeat(), options.retries(),
                        farm.scenarioTimeout(), runDir.resolve("boards").resolve(b.name()), allureDir, rigFiles, stopping);
                BoardWorker worker = new BoardWorker(job, states.get(i), rig, this::say);
                idleRigs.remove(b.name());
                workers.put(b.name(), new Worker(worker, rig.redactor(), pool.submit(worker::run)));
            }
            Finisher f = new Finisher(runDir, farm, options, states, runs, work, workers, allureDir, t0, runId, stopping);
            finisher.set(f);
            if (!stopping.get()) {
                f.awaitWorkers(null);
            }
            // Before the reports: a rig writes its last files as it stops, and the secret scan must read them.
            closeRigs(workers, idleRigs);
            return f.finish(stopping.get());
        } finally {
            closeRigs(workers, idleRigs);
            pool.shutdownNow();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is stopping the boards' runs
            }
        }
    }

    /** A board's worker, the redactor of the board's rig (for the secret scan), and what the worker returns. */
    private record Worker(BoardWorker worker, dev.firstboot.secret.Redactor redactor, Future<List<ScenarioRun>> result) {
    }

    private static void closeRigs(Map<String, Worker> workers, Map<String, Rig> idle) {
        workers.values().forEach(w -> w.worker().close());
        idle.values().forEach(rig -> {
            try {
                rig.close();
            } catch (RuntimeException e) {
                // the farm is ending; a board with no scenarios to run has nothing to report
            }
        });
        idle.clear();
    }

    /** Writes the farm's reports once: at the end of the run, or from the interrupt hook, whichever comes first. */
    private final class Finisher {
        private final Path runDir;
        private final FarmFiles.Farm farm;
        private final Options options;
        private final List<FarmReport.ReportedBoard> states;
        private final List<ScenarioRun> offline;
        private final Map<String, List<ScenarioPlan.Planned>> work;
        private final Map<String, Worker> workers;
        private final Path allureDir;
        private final long t0;
        private final String runId;
        private final java.util.concurrent.atomic.AtomicBoolean stopping;
        private Outcome outcome;

        Finisher(Path runDir, FarmFiles.Farm farm, Options options, List<FarmReport.ReportedBoard> states,
                 List<ScenarioRun> offline, Map<String, List<ScenarioPlan.Planned>> work,
                 Map<String, Worker> workers, Path allureDir, long t0, String runId,
                 java.util.concurrent.atomic.AtomicBoolean stopping) {
            this.stopping = stopping;
            this.runDir = runDir;
            this.farm = farm;
            this.options = options;
            this.states = states;
            this.offline = offline;
            this.work = work;
            this.workers = workers;
            this.allureDir = allureDir;
            this.t0 = t0;
            this.runId = runId;
        }

        /** Waits for every board's worker; with a deadline, gives up on those still running when it passes. */
        void awaitWorkers(Duration deadline) {
            long end = deadline == null ? Long.MAX_VALUE : System.nanoTime() + deadline.toNanos();
            for (Worker worker : workers.values()) {
                Future<List<ScenarioRun>> w = worker.result();
                try {
                    if (deadline == null) {
                        w.get();
                    } else {
                        w.get(Math.max(0, end - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    // reported below: a board whose worker has no result gets its scenarios as not run
                }
            }
        }

        synchronized Outcome finish(boolean interruptedHook) {
            if (outcome != null) {
                return outcome;
            }
            // The workers may finish before the interrupt hook gets here; the run was interrupted all the same.
            boolean interrupted = interruptedHook || stopping.get();
            List<ScenarioRun> runs = new ArrayList<>(offline);
            List<FarmReport.ReportedBoard> boards = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (FarmReport.ReportedBoard s : states) {
                Worker worker = workers.get(s.name());
                Future<List<ScenarioRun>> w = worker == null ? null : worker.result();
                Optional<String> fenced = worker == null ? Optional.empty() : worker.worker().fenced();
                boards.add(fenced.map(why -> new FarmReport.ReportedBoard(s.name(), s.host(), s.pool(), false, why))
                        .orElse(s));
                if (worker != null) {
                    // The last guard on secrets, as every run has: the board's files, its rig's included.
                    SecretScan.of(runDir.resolve("boards").resolve(s.name()), worker.redactor()).problem()
                            .ifPresent(problem -> problems.add("board " + s.name() + ": " + problem));
                }
                List<ScenarioRun> mine = w != null && w.isDone() ? get(w, List.of()) : List.of();
                if (mine.isEmpty() && w != null) {
                    mine = new ArrayList<>();
                    for (int boot = 1; boot <= options.repeat(); boot++) {
                        for (ScenarioPlan.Planned p : work.getOrDefault(s.name(), List.of())) {
                            mine.add(new ScenarioRun(runId, s.name(), s.host(), s.pool(), boot, 1, p.feature(), p.name(),
                                    p.location(), interrupted ? ScenarioRun.Outcome.NOT_RUN : ScenarioRun.Outcome.RIG_FAILURE,
                                    interrupted ? BoardWorker.INTERRUPTED : "rig failure: the board's worker gave no result",
                                    0, List.of(), false));
                        }
                    }
                }
                runs.addAll(mine);
            }
            runs.sort(Comparator.comparing(ScenarioRun::board).thenComparing(ScenarioRun::boot)
                    .thenComparing(ScenarioRun::location).thenComparing(ScenarioRun::attempt));
            Duration wall = Duration.ofNanos(System.nanoTime() - t0);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("mode", options.spread() ? "spread" : "every-board");
            extra.put("repeat", options.repeat());
            extra.put("retries", options.retries());
            extra.put("interrupted", interrupted);
            extra.put("wallSeconds", wall.toMillis() / 1000.0);
            if (!problems.isEmpty()) {
                extra.put("problems", problems);
            }
            FarmReport.writeAll(runDir, farm.name(), List.of(runId), boards, runs, extra);
            writeAllureEnvironment(allureDir, farm, boards, options);
            int exit = interrupted ? ExitCodes.INTERRUPTED : problems.isEmpty() ? exitCode(runs, boards) : ExitCodes.FAILED;
            if (interrupted) {
                say("");
                say("Interrupted: finished results are kept; the rest are marked not run.");
            }
            problems.forEach(problem -> say("firstboot: " + problem + "."));
            printSummary(runDir, boards, runs, wall, exit);
            outcome = new Outcome(runDir, runs, boards, wall, exit);
            return outcome;
        }
    }

    private static List<FarmFiles.Board> select(FarmFiles.Farm farm, List<String> names) throws UsageException {
        if (names.isEmpty()) {
            return farm.boards();
        }
        List<FarmFiles.Board> out = new ArrayList<>();
        for (String n : names) {
            out.add(farm.board(n).orElseThrow(() -> new UsageException("--board " + n + ": no such board in "
                    + farm.source() + "; its boards are " + farm.boards().stream().map(FarmFiles.Board::name).toList())));
        }
        return out;
    }

    /**
     * Every online board gets every scenario (a board's run reports those it cannot do as not applicable, as
     * {@code run} does); with spread, each pool's online boards share its scenarios, each scenario going to the
     * capable board with the least work so far.
     */
    static Map<String, List<ScenarioPlan.Planned>> assign(List<FarmFiles.Board> boards, Map<String, Health> health,
                                                         List<ScenarioPlan.Planned> plan, boolean spread) {
        Map<String, List<ScenarioPlan.Planned>> work = new LinkedHashMap<>();
        List<FarmFiles.Board> online = boards.stream().filter(b -> health.get(b.name()) instanceof Health.Online).toList();
        if (!spread) {
            online.forEach(b -> work.put(b.name(), plan));
            return work;
        }
        Map<String, List<FarmFiles.Board>> pools = new LinkedHashMap<>();
        online.forEach(b -> pools.computeIfAbsent(b.pool(), p -> new ArrayList<>()).add(b));
        for (ScenarioPlan.Planned s : plan) {
            for (List<FarmFiles.Board> members : pools.values()) {
                List<FarmFiles.Board> capable = members.stream().filter(b -> s.runsOn(b.rig().capabilities())).toList();
                List<FarmFiles.Board> candidates = capable.isEmpty() ? members : capable;
                FarmFiles.Board least = candidates.stream()
                        .min(Comparator.comparingInt(b -> work.getOrDefault(b.name(), List.of()).size())).orElseThrow();
                work.computeIfAbsent(least.name(), n -> new ArrayList<>()).add(s);
            }
        }
        return work;
    }

    /**
     * An offline board's scenarios are rig failures, never device failures: with every-board runs, each scenario the
     * board could do is reported skipped with the reason; with spread, only a pool left with no board online loses
     * its scenarios.
     */
    private static List<ScenarioRun> offlineRuns(String runId, List<FarmFiles.Board> boards, List<FarmReport.ReportedBoard> states,
                                                 Map<String, Health> health, List<ScenarioPlan.Planned> plan,
                                                 Options options, Path allureDir) {
        List<ScenarioRun> out = new ArrayList<>();
        for (int i = 0; i < boards.size(); i++) {
            FarmFiles.Board b = boards.get(i);
            if (!(health.get(b.name()) instanceof Health.Offline off)) {
                continue;
            }
            boolean poolOnline = boards.stream().anyMatch(o -> o.pool().equals(b.pool()) && health.get(o.name()) instanceof Health.Online);
            boolean firstOfPool = boards.stream().filter(o -> o.pool().equals(b.pool())).findFirst().orElseThrow() == b;
            if (options.spread() && (poolOnline || !firstOfPool)) {
                continue;
            }
            for (ScenarioPlan.Planned s : plan) {
                if (!s.runsOn(b.rig().capabilities())) {
                    continue;
                }
                ScenarioRun r = new ScenarioRun(runId, b.name(), b.host().orElse(""), b.pool(), 1, 1, s.feature(), s.name(),
                        s.location(), ScenarioRun.Outcome.RIG_FAILURE, "rig failure: board " + b.name()
                        + " is offline for this run: health check failed: " + off.reason(), 0, List.of(), false);
                out.add(r);
                FarmReport.writeNotRun(allureDir, states.get(i), r, "skipped");
            }
        }
        return out;
    }

    private static int exitCode(List<ScenarioRun> runs, List<FarmReport.ReportedBoard> states) {
        List<ScenarioRun> finals = runs.stream().filter(r -> !r.retried()).toList();
        boolean bad = states.stream().anyMatch(s -> !s.online()) || finals.stream().anyMatch(r ->
                r.outcome() == ScenarioRun.Outcome.FAILED || r.outcome() == ScenarioRun.Outcome.RIG_FAILURE
                        || r.outcome() == ScenarioRun.Outcome.NOT_RUN);
        if (bad) {
            return ExitCodes.FAILED;
        }
        return finals.stream().anyMatch(r -> r.outcome() == ScenarioRun.Outcome.PASSED) ? ExitCodes.PASSED : ExitCodes.NOTHING_RAN;
    }

    private void printSummary(Path runDir, List<FarmReport.ReportedBoard> states, List<ScenarioRun> runs, Duration wall, int exit) {
        synchronized (out) {
            out.println();
            for (FarmReport.ReportedBoard s : states) {
                List<ScenarioRun> mine = runs.stream().filter(r -> r.board().equals(s.name())).toList();
                out.printf(Locale.ROOT, "%-16s %-8s %s%s · %d passed, %d failed, %d rig failures, %d not applicable, %d retried%n",
                        s.name(), s.online() ? "online" : "OFFLINE", s.host().isEmpty() ? "" : "host " + s.host() + ", ",
                        "pool " + s.pool(), count(mine, ScenarioRun.Outcome.PASSED), count(mine, ScenarioRun.Outcome.FAILED),
                        count(mine, ScenarioRun.Outcome.RIG_FAILURE), count(mine, ScenarioRun.Outcome.NOT_APPLICABLE),
                        mine.stream().filter(ScenarioRun::retried).count());
                if (!s.online()) {
                    out.println("                 ↳ " + s.detail());
                }
            }
            out.println();
            out.print(FarmReport.timing(runs).table());
            out.printf(Locale.ROOT, "%nFarm run took %.1f s. Reports: %s  (farm-summary.json, junit.xml, %s, allure-results/, boards/)%n",
                    wall.toMillis() / 1000.0, runDir, FarmReport.TIMING);
            out.println("HTML report: firstboot report " + runDir);
            out.println(exit == ExitCodes.PASSED ? "Result: PASSED" : exit == ExitCodes.NOTHING_RAN
                    ? "Result: NOTHING RAN — no selected scenario applies to these boards"
                    : exit == ExitCodes.INTERRUPTED ? "Result: INTERRUPTED" : "Result: FAILED");
            out.flush();
        }
    }

    private static void writeAllureEnvironment(Path allureDir, FarmFiles.Farm farm, List<FarmReport.ReportedBoard> states,
                                               Options options) {
        StringBuilder env = new StringBuilder();
        env.append("harness=").append(dev.firstboot.suite.HarnessVersion.get()).append('\n');
        env.append("farm=").append(farm.name()).append('\n');
        env.append("mode=").append(options.spread() ? "spread" : "every-board").append('\n');
        for (FarmReport.ReportedBoard s : states) {
            env.append("board.").append(s.name()).append('=').append(s.online() ? "online" : "offline")
                    .append(s.host().isEmpty() ? "" : " on " + s.host()).append(", pool ").append(s.pool()).append('\n');
        }
        try {
            Files.writeString(allureDir.resolve("environment.properties"), env.toString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write to " + allureDir + ": " + e.getMessage(), e);
        }
    }

    private static long count(List<ScenarioRun> runs, ScenarioRun.Outcome o) {
        return runs.stream().filter(r -> !r.retried() && r.outcome() == o).count();
    }

    private void say(String text) {
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    private void say(String board, String text) {
        synchronized (out) {
            out.printf("[%s] %s%n", board, text);
            out.flush();
        }
    }

    private static <T> T get(Future<T> f, T fallback) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback;
        } catch (ExecutionException e) {
            return fallback;
        }
    }

    static String render(List<String> capabilities) {
        return Capabilities.render(capabilities);
    }
}
