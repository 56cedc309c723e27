package dev.firstboot.suite;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.rig.Rig;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.rig.RigSpec;
import dev.firstboot.secret.Redactor;
import io.qameta.allure.FileSystemResultsWriter;
import io.qameta.allure.model.Label;
import io.qameta.allure.model.Stage;
import io.qameta.allure.model.Status;
import io.qameta.allure.model.StatusDetails;
import io.qameta.allure.model.TestResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherFactory;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs the Cucumber features on one rig through the JUnit Platform launcher, printing a line per scenario as it
 * finishes and writing the reports. Only the Cucumber engine is asked; capability checks happen in the glue's
 * hooks, so a scenario a rig cannot run is reported as not applicable rather than filtered away unseen.
 */
public final class SuiteRunner {
    /**
     * @param rig         rig name or rig file
     * @param tags        a Cucumber tag expression, or empty for every scenario
     * @param name        a regular expression a scenario's name must contain a match of, or empty
     * @param features    feature files, {@code FILE.feature:LINE} or folders
     * @param reportRoot  where run folders go ({@code reports/})
     * @param threads     scenarios at once, each on a lane of its own; at most the rig's {@code max-parallel}, and 0
     *                    for that
     * @param failFast    stop starting scenarios after the first failure
     * @param terminal    how the run talks to the person or CI watching it
     * @param junit       also write junit.xml here
     * @param json        also write summary.json here
     */
    public record Options(String rig, Optional<String> tags, Optional<String> name, List<Path> features, Path reportRoot,
                          int threads, boolean failFast, Terminal terminal, Optional<Path> junit, Optional<Path> json) {
        public Options {
            features = List.copyOf(features);
        }

        public Options(String rig, Optional<String> tags, List<Path> features, Path reportRoot, int threads,
                       boolean failFast) {
            this(rig, tags, Optional.empty(), features, reportRoot, threads, failFast, Terminal.plain(), Optional.empty(),
                    Optional.empty());
        }
    }

    private final RigFiles rigFiles;
    private final PrintWriter out;
    private volatile SecretScan lastSecretScan = new SecretScan(0, List.of(), List.of());
    private java.util.function.Supplier<dev.firstboot.timeline.HostLagProbe> hostLagProbes =
            dev.firstboot.timeline.HostLagProbe::start;

    public SuiteRunner(RigFiles rigFiles, PrintWriter out) {
        this.rigFiles = rigFiles;
        this.out = out;
    }

    /** Where each run's host-lag probe comes from (tests give one that lags on purpose). */
    void hostLagProbes(java.util.function.Supplier<dev.firstboot.timeline.HostLagProbe> probes) {
        this.hostLagProbes = probes;
    }

    /** The check of the last run's report files for secrets that escaped masking. */
    public SecretScan lastSecretScan() {
        return lastSecretScan;
    }

    public RunSummary run(Options options) throws RigException, UsageException, RigStartException, NothingSelectedException {
        Selection selection = Selection.of(options.tags(), options.name(), options.features());
        RigSpec spec = rigFiles.load(options.rig());
        if (options.threads() < 0) {
            throw new UsageException("--threads must be at least 1, got " + options.threads());
        }
        if (options.threads() > spec.maxParallel()) {
            throw new UsageException("rig '" + spec.name() + "' runs at most " + spec.maxParallel()
                    + " scenario(s) at once (max-parallel, " + spec.source() + "); use --threads "
                    + spec.maxParallel() + " or a farm of boards");
        }
        int threads = options.threads() == 0 ? spec.maxParallel() : options.threads();
        Launcher launcher = LauncherFactory.create();
        TestPlan plan = discover(launcher, selection, options.features(), threads);
        String runId = newRunId();
        Path runDir = createRunDirectory(options.reportRoot(), runId);

        out.println("firstboot " + HarnessVersion.get() + " · rig " + spec.name() + " "
                + Capabilities.render(spec.capabilities()) + " · reports in " + runDir);
        out.flush();
        ProgressPrinter progress = new ProgressPrinter(out, options.terminal(), rigFiles);
        progress.startingRig(spec.name());
        Redactor redactor = new Redactor();
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Rig rig;
        try {
            rig = Rig.start(spec, redactor, runDir.resolve("rig"), threads);
        } catch (RigException e) {
            progress.end();
            throw new RigStartException("rig '" + spec.name() + "' could not start: " + e.getMessage(), e);
        }
        Launch launch = new Launch(runId, rig, true, runDir, selection, launcher, plan, progress, options.failFast(),
                options.junit(), options.json(), started, t0);
        Thread hook = new Thread(() -> launch.finish(true, "the run was interrupted"), "firstboot-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        RunContext.open(launch.context);
        try {
            launch.execute();
        } finally {
            RunContext.close(launch.context);
        }
        RunSummary summary = launch.finish(false, "the run ended before it");
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is already running and has written the same summary
        }
        return summary;
    }

    /**
     * A run of chosen scenarios on a rig the caller has started and will close, as a farm runs its share on one of its
     * boards. Nothing runs until {@link OnRig#execute()}, and then on the thread that calls it, one scenario at a
     * time; that thread alone is bound to this run, so several boards' runs go on at once in one JVM.
     *
     * @param locations {@code FILE.feature:LINE} of each scenario
     */
    public OnRig prepare(Rig rig, List<Path> locations, Path reportRoot) throws UsageException, NothingSelectedException {
        Selection selection = Selection.of(Optional.empty(), Optional.empty(), locations);
        Launcher launcher = LauncherFactory.create();
        TestPlan plan = discover(launcher, selection, locations, 1);
        String runId = newRunId();
        Path runDir = createRunDirectory(reportRoot, runId);
        out.println("firstboot " + HarnessVersion.get() + " · rig " + rig.name() + " "
                + Capabilities.render(rig.capabilities()) + " · reports in " + runDir);
        out.flush();
        ProgressPrinter progress = new ProgressPrinter(out, Terminal.plain(), rigFiles);
        return new OnRig(new Launch(runId, rig, false, runDir, selection, launcher, plan, progress, false,
                Optional.empty(), Optional.empty(), Instant.now(), System.nanoTime()));
    }

    /** A prepared run on a rig someone else owns; see {@link #prepare}. */
    public static final class OnRig {
        private final Launch launch;

        private OnRig(Launch launch) {
            this.launch = launch;
        }

        /** Runs the scenarios on this thread and writes the reports; the rig stays open. */
        public RunSummary execute() {
            RunContext.openOnThisThread(launch.context);
            try {
                launch.execute();
            } finally {
                RunContext.closeOnThisThread();
            }
            return launch.finish(false, "the run ended before it");
        }

        /**
         * Stops the run from another thread: no scenario begins after this, and the reports are written now with what
         * finished and the rest marked {@code reason} (without "not run: ", which is added). The running scenario, if
         * any, is left to end on its own thread; what it does after this reaches no report.
         */
        public RunSummary stop(String reason) {
            launch.context.stop("not run: " + reason);
            return launch.finish(true, reason);
        }

        /** The first of {@link #execute()} and {@link #stop}'s summaries, once there is one. */
        public java.util.concurrent.CompletableFuture<RunSummary> done() {
            return launch.done;
        }

        /** How long the scenario running now has run, or empty between scenarios. */
        public Optional<Duration> runningScenario() {
            return launch.recorder.runningFor();
        }

        public Path runDirectory() {
            return launch.runDir;
        }
    }

    private static TestPlan discover(Launcher launcher, Selection selection, List<Path> features, int threads)
            throws UsageException, NothingSelectedException {
        TestPlan plan;
        try {
            plan = launcher.discover(selection.request(engineSettings(threads)));
        } catch (RuntimeException e) {
            throw new UsageException("cannot read the features: " + e.getMessage() + "; check --features");
        }
        if (!plan.containsTests()) {
            throw new NothingSelectedException("no scenario matches " + selection.describe() + " in "
                    + features.stream().map(Path::toString).collect(java.util.stream.Collectors.joining(", "))
                    + "; see them with 'firstboot list'");
        }
        return plan;
    }

    private static Path createRunDirectory(Path reportRoot, String runId) throws UsageException {
        Path runDir = reportRoot.resolve(runId).toAbsolutePath().normalize();
        try {
            Files.createDirectories(runDir.resolve("allure-results"));
        } catch (IOException e) {
            throw new UsageException("cannot create the report folder " + runDir + ": " + e.getMessage()
                    + ". Choose another with --report DIR.");
        }
        return runDir;
    }

    /**
     * One launch of the discovered scenarios on a started rig, and its reports, written once: when it ends, or when
     * it is interrupted or stopped, whichever comes first.
     */
    private final class Launch {
        private final String runId;
        private final Rig rig;
        private final boolean ownsRig;
        private final Path runDir;
        private final Launcher launcher;
        private final TestPlan plan;
        private final Instant started;
        private final long t0;
        private final RunContext context;
        private final ResultRecorder recorder;
        private final ProgressPrinter progress;
        private final Optional<Path> junit;
        private final Optional<Path> json;
        private final java.util.concurrent.CompletableFuture<RunSummary> done = new java.util.concurrent.CompletableFuture<>();
        private RunSummary summary;

        Launch(String runId, Rig rig, boolean ownsRig, Path runDir, Selection selection, Launcher launcher, TestPlan plan,
               ProgressPrinter progress, boolean failFast, Optional<Path> junit, Optional<Path> json, Instant started,
               long t0) {
            this.runId = runId;
            this.rig = rig;
            this.ownsRig = ownsRig;
            this.runDir = runDir;
            this.launcher = launcher;
            this.plan = plan;
            this.progress = progress;
            this.junit = junit;
            this.json = json;
            this.started = started;
            this.t0 = t0;
            this.context = new RunContext(runId, rig, runDir, failFast);
            context.progress(progress);
            context.hostLag(hostLagProbes.get());
            RunPlan runPlan = RunPlan.of(rig.spec(), selection.scenarios(plan));
            progress.planned(runPlan.applicable().size(), runPlan.entries().size() - runPlan.applicable().size());
            this.recorder = new ResultRecorder(context, rig.redactor(), selection, progress);
        }

        /** Runs the scenarios; the caller has bound the run to the threads that run them. */
        void execute() {
            AllureByRun.install();
            try {
                writeAllureEnvironment(runDir.resolve("allure-results"), rig);
            } catch (UsageException e) {
                out.println("firstboot: " + e.getMessage());
            }
            launcher.execute(plan, recorder);
        }

        synchronized RunSummary finish(boolean interrupted, String reasonForRest) {
            if (summary != null) {
                return summary;
            }
            Map<String, String> labels = rig.labels();
            List<ScenarioResult> results = recorder.closeOut(reasonForRest);
            context.hostLag().close();
            summary = new RunSummary(runId, HarnessVersion.get(), rig.name(), labels, started,
                    Duration.ofNanos(System.nanoTime() - t0), interrupted, results,
                    rig.spec().source() == null ? "" : rig.spec().source().toAbsolutePath().toString())
                    .withHostLag(recorder.hostLag());
            progress.end();
            // The counts line comes first and whatever fails after it: an interrupted run must still say where it got.
            writeReports(summary, results, labels);
            if (interrupted) {
                out.println();
                out.println((ownsRig ? "Interrupted" : "Stopped: " + reasonForRest)
                        + ": finished results are kept; the rest are marked not run.");
            }
            printCounts(summary, runDir);
            out.flush();
            if (ownsRig) {
                try {
                    rig.close();
                } catch (RuntimeException e) {
                    out.println("firstboot: rig " + rig.name() + " did not close cleanly: " + e.getMessage());
                }
            }
            SecretScan scan = SecretScan.of(runDir, rig.redactor());
            lastSecretScan = scan;
            scan.problem().ifPresent(problem -> {
                out.println("firstboot: " + problem + ".");
                summary = summary.withProblem(problem);
                writeReports(summary, List.of(), labels); // the verdict changed: summary.json and junit.xml say so
            });
            printResult(summary);
            out.flush();
            done.complete(summary);
            return summary;
        }

        /** Writes summary.json and junit.xml, and after an interrupt the scenarios in {@code results} not run to Allure. */
        private void writeReports(RunSummary s, List<ScenarioResult> results, Map<String, String> labels) {
            try {
                if (s.interrupted()) {
                    writeNotRunToAllure(results, labels);
                }
                ReportWriters.writeAll(runDir, s);
                junit.ifPresent(p -> ReportWriters.writeAtomically(p, ReportWriters.junitXml(s)));
                json.ifPresent(p -> ReportWriters.writeAtomically(p, ReportWriters.summaryJson(s)));
            } catch (RuntimeException e) {
                out.println("firstboot: cannot write the reports: " + e.getMessage());
            }
        }

        private void writeNotRunToAllure(List<ScenarioResult> results, Map<String, String> labels) {
            FileSystemResultsWriter writer = new FileSystemResultsWriter(runDir.resolve("allure-results"));
            for (ScenarioResult r : results) {
                if (r.status() != ScenarioStatus.NOT_RUN) {
                    continue;
                }
                List<Label> ls = new ArrayList<>();
                ls.add(new Label().setName("feature").setValue(r.feature()));
                labels.forEach((k, v) -> ls.add(new Label().setName(k).setValue(v)));
                TestResult t = new TestResult().setUuid(UUID.randomUUID().toString()).setName(r.name())
                        .setFullName(r.feature() + ": " + r.name()).setHistoryId(r.location())
                        .setStatus(Status.SKIPPED).setStage(Stage.FINISHED)
                        .setStatusDetails(new StatusDetails().setMessage(r.message())).setLabels(ls);
                writer.write(t);
            }
        }
    }

    private void printCounts(RunSummary s, Path runDir) {
        out.println();
        out.printf("%s in %.1f s on rig %s%n", s.countsLine(), s.duration().toMillis() / 1000.0, s.rig());
        out.println("Reports: " + runDir + "  (summary.json, junit.xml, allure-results/)");
        out.println("HTML report: firstboot report " + s.runId());
    }

    private void printResult(RunSummary s) {
        switch (s.exitCode()) {
            case ExitCodes.PASSED -> out.println("Result: PASSED");
            case ExitCodes.NOTHING_RAN -> out.println("Result: NOTHING RAN — no selected scenario applies to rig "
                    + s.rig() + "; pick another rig or --tags");
            case ExitCodes.INTERRUPTED -> out.println("Result: INTERRUPTED");
            case ExitCodes.RIG_ERROR -> out.println("Result: INCONCLUSIVE — the host was overloaded while scenarios were "
                    + "timed; run them again on a quieter host (--rerun-failed)");
            default -> out.println("Result: FAILED");
        }
    }

    private static Map<String, String> engineSettings(int threads) {
        Map<String, String> config = new HashMap<>();
        config.put("cucumber.plugin", "io.qameta.allure.cucumber7jvm.AllureCucumber7Jvm, " + StepEvents.class.getName());
        config.put("cucumber.ansi-colors.disabled", "true");
        if (threads > 1) {
            // The JUnit Platform's own parallel execution; each scenario then holds a lane of the rig for itself.
            config.put("cucumber.execution.parallel.enabled", "true");
            config.put("cucumber.execution.parallel.config.strategy", "fixed");
            config.put("cucumber.execution.parallel.config.fixed.parallelism", Integer.toString(threads));
            config.put("cucumber.execution.parallel.config.fixed.max-pool-size", Integer.toString(threads));
        }
        return config;
    }

    private static void writeAllureEnvironment(Path allureDir, Rig rig) throws UsageException {
        StringBuilder env = new StringBuilder();
        env.append("harness=").append(HarnessVersion.get()).append('\n');
        rig.labels().forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
        env.append("capabilities=").append(Capabilities.render(rig.capabilities())).append('\n');
        try {
            Files.writeString(allureDir.resolve("environment.properties"), env.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException("cannot write to " + allureDir + ": " + e.getMessage());
        }
    }

    private static String newRunId() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + UUID.randomUUID().toString().substring(0, 4);
    }
}
