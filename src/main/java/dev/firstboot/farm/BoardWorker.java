package dev.firstboot.farm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.process.ChildProcess;
import dev.firstboot.rig.FarmFiles;

import java.io.IOException;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * One board's share of a farm run. The board runs one scenario at a time: its scenarios go, in order, to a
 * {@code firstboot run --rig FARM#BOARD} child process of its own, so a driver that hangs or crashes takes down only
 * that board's run, and the farm's deadline can end it. Rig failures are retried in a new child, up to
 * {@code retries} times.
 */
final class BoardWorker {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String INTERRUPTED = "not run: the farm run was interrupted";
    /** Children still running, so an interrupted farm run can stop them. */
    static final Set<ChildProcess> LIVE = ConcurrentHashMap.newKeySet();
    /** Long enough for the child's interrupt hook to write what finished. */
    static final Duration STOP_DEADLINE = Duration.ofSeconds(15);

    record Job(String runId, FarmFiles.Board board, Path farmFile, List<ScenarioPlan.Planned> work, int repeat,
               int retries, Duration scenarioTimeout, Path boardDirectory, Path allureDirectory,
               java.util.concurrent.atomic.AtomicBoolean stopping) {
    }

    private final Job job;
    private final BiConsumer<String, String> progress;
    private final FarmReport.ReportedBoard state;

    BoardWorker(Job job, FarmReport.ReportedBoard state, BiConsumer<String, String> progress) {
        this.job = job;
        this.state = state;
        this.progress = progress;
    }

    List<ScenarioRun> run() {
        List<ScenarioRun> all = new ArrayList<>();
        for (int boot = 1; boot <= job.repeat(); boot++) {
            List<ScenarioPlan.Planned> pending = job.work();
            for (int attempt = 1; !pending.isEmpty(); attempt++) {
                if (job.stopping().get()) {
                    for (ScenarioPlan.Planned p : pending) {
                        all.add(record(p, boot, attempt, ScenarioRun.Outcome.NOT_RUN, INTERRUPTED, 0, List.of()));
                    }
                    break;
                }
                if (job.repeat() > 1 || attempt > 1) {
                    progress.accept(job.board().name(), (attempt > 1 ? "retry " + (attempt - 1) + " of " + job.retries()
                            + " for " + pending.size() + " rig failure(s)" : "boot " + boot + " of " + job.repeat())
                            + " · " + pending.size() + " scenario(s)");
                }
                Path dir = job.boardDirectory().resolve("boot-" + boot + "-attempt-" + attempt);
                List<ScenarioRun> runs = runChild(pending, dir, boot, attempt);
                boolean mayRetry = attempt <= job.retries() && !job.stopping().get();
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
                FarmReport.importAllure(findRun(dir).map(d -> d.resolve("allure-results")).orElse(dir.resolve("none")),
                        job.allureDirectory(), state, byName, boot, job.repeat());
                all.addAll(marked);
                pending = again;
            }
        }
        return all;
    }

    private static ScenarioRun withRetried(ScenarioRun r) {
        return new ScenarioRun(r.runId(), r.board(), r.host(), r.pool(), r.boot(), r.attempt(), r.feature(), r.name(),
                r.location(), r.outcome(), r.message(), r.durationSeconds(), r.measurements(), true);
    }

    /** Runs the child and reads its summary; every scenario it gave no result for is a rig failure. */
    private List<ScenarioRun> runChild(List<ScenarioPlan.Planned> work, Path dir, int boot, int attempt) {
        String problem = null;
        int exit = -1;
        try {
            Files.createDirectories(dir);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(childJvmOptions());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "run",
                    "--rig", job.farmFile().toAbsolutePath() + "#" + job.board().name(), "--report", dir.toString()));
            for (ScenarioPlan.Planned p : work) {
                command.add("--features");
                command.add(p.location());
            }
            try (Relay relay = new Relay(dir.resolve("console.txt"))) {
                ChildProcess child = ChildProcess.command(command).name("farm-" + job.board().name())
                        .stopsItsOwnChildren().errorsToOutput().stdout(ChildProcess.Output.lines(relay::line)).start();
                LIVE.add(child);
                Duration deadline = job.scenarioTimeout().multipliedBy(work.size()).plusSeconds(60);
                try {
                    if (!child.waitFor(deadline)) {
                        problem = "rig failure: the board's run did not finish within " + deadline.toSeconds()
                                + " s (scenario-timeout × scenarios); it was stopped. Check the board and its driver.";
                        child.stop(STOP_DEADLINE);
                    }
                    exit = child.alive() ? -1 : child.exitCode();
                } catch (InterruptedException e) {
                    child.kill();
                    throw e;
                } finally {
                    LIVE.remove(child);
                }
            }
        } catch (IOException e) {
            problem = "rig failure: cannot start the board's run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "rig failure: the farm run was interrupted";
        }
        Map<String, JsonNode> results = new HashMap<>();
        Optional<Path> run = findRun(dir);
        if (run.isPresent()) {
            try {
                for (JsonNode s : JSON.readTree(run.get().resolve("summary.json").toFile()).path("scenarios")) {
                    results.put(s.path("location").asText(), s);
                }
            } catch (IOException e) {
                problem = "rig failure: the board's run left an unreadable summary.json: " + e.getMessage();
            }
        }
        boolean stopped = job.stopping().get();
        String missing = stopped ? INTERRUPTED : problem != null ? problem : "rig failure: the board's run ended (exit code "
                + exit + ") without a result for this scenario; see " + dir.resolve("console.txt");
        List<ScenarioRun> out = new ArrayList<>();
        for (ScenarioPlan.Planned p : work) {
            JsonNode s = results.get(p.location());
            if (s == null) {
                out.add(record(p, boot, attempt, stopped ? ScenarioRun.Outcome.NOT_RUN : ScenarioRun.Outcome.RIG_FAILURE,
                        missing, 0, List.of()));
                continue;
            }
            String message = s.path("message").asText("");
            ScenarioRun.Outcome outcome = outcome(s.path("status").asText(), message, job.stopping().get());
            List<ScenarioRun.Sample> samples = new ArrayList<>();
            for (JsonNode m : s.path("measurements")) {
                double limit = m.path("limit").isNumber() ? m.path("limit").asDouble() : Double.POSITIVE_INFINITY;
                samples.add(new ScenarioRun.Sample(m.path("name").asText(), m.path("value").asDouble(),
                        m.path("unit").asText(), limit));
            }
            out.add(record(p, boot, attempt, outcome, message, s.path("durationSeconds").asDouble(), samples));
        }
        return out;
    }

    /** How a scenario of a board's run ended, from its summary.json status and message. */
    static ScenarioRun.Outcome outcome(String status, String message, boolean stopping) {
        return switch (status) {
            case "PASSED" -> ScenarioRun.Outcome.PASSED;
            case "NOT_APPLICABLE" -> ScenarioRun.Outcome.NOT_APPLICABLE;
            // timed on an overloaded host: infrastructure, retried like any rig failure
            case "INCONCLUSIVE" -> ScenarioRun.Outcome.RIG_FAILURE;
            case "NOT_RUN" -> stopping ? ScenarioRun.Outcome.NOT_RUN : FailureKind.of(message) == FailureKind.RIG
                    ? ScenarioRun.Outcome.RIG_FAILURE : ScenarioRun.Outcome.NOT_RUN;
            default -> FailureKind.of(message) == FailureKind.RIG
                    ? ScenarioRun.Outcome.RIG_FAILURE : ScenarioRun.Outcome.FAILED;
        };
    }

    /**
     * A board's run waits on its board far more than it computes: the client compiler only and the serial collector
     * start it faster and leave the cores to the other boards. {@code FIRSTBOOT_BOARD_JAVA_OPTS} replaces them.
     */
    static List<String> childJvmOptions() {
        String env = System.getenv("FIRSTBOOT_BOARD_JAVA_OPTS");
        if (env != null) {
            return env.isBlank() ? List.of() : List.of(env.trim().split("\\s+"));
        }
        return List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    }

    private ScenarioRun record(ScenarioPlan.Planned p, int boot, int attempt, ScenarioRun.Outcome outcome, String message,
                               double seconds, List<ScenarioRun.Sample> samples) {
        return new ScenarioRun(job.runId(), job.board().name(), state.host(), state.pool(), boot, attempt, p.feature(),
                p.name(), p.location(), outcome, message, seconds, samples, false);
    }

    /** The child's run folder: the one folder under {@code dir} with a summary.json. */
    static Optional<Path> findRun(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> runs = Files.list(dir)) {
            return runs.filter(p -> Files.isRegularFile(p.resolve("summary.json"))).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Prints the child's scenario lines with the board's name; keeps all it says in console.txt. */
    private final class Relay implements AutoCloseable {
        private final Writer file;
        private boolean lost;

        Relay(Path log) throws IOException {
            this.file = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
        }

        synchronized void line(String line) {
            if (!lost) {
                try {
                    file.write(line);
                    file.write('\n');
                } catch (IOException e) {
                    lost = true;
                    progress.accept(job.board().name(), "lost the board's output: " + e.getMessage());
                }
            }
            String t = line.strip();
            if (t.matches("\\[\\s*\\d+/\\d+].*") || t.startsWith("↳") || t.startsWith("firstboot:")) {
                progress.accept(job.board().name(), line.stripTrailing());
            }
        }

        @Override
        public synchronized void close() throws IOException {
            file.close();
        }
    }
}
