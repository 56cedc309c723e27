package dev.firstboot.suite;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A whole run: what was run, where, and how each scenario ended. Written as summary.json.
 *
 * @param problems why the run failed outside any scenario (its reports could not be shown to hold no secret)
 * @param hostLag  the worst lateness of the run's host-lag probe ({@link dev.firstboot.timeline.HostLagProbe})
 */
public record RunSummary(String runId, String harnessVersion, String rig, Map<String, String> labels,
                         Instant started, Duration duration, boolean interrupted, List<ScenarioResult> scenarios,
                         String rigFile, List<String> problems, Duration hostLag) {
    public RunSummary {
        scenarios = List.copyOf(scenarios);
        labels = Map.copyOf(labels);
        problems = List.copyOf(problems);
    }

    public RunSummary(String runId, String harnessVersion, String rig, Map<String, String> labels, Instant started,
                      Duration duration, boolean interrupted, List<ScenarioResult> scenarios, String rigFile,
                      List<String> problems) {
        this(runId, harnessVersion, rig, labels, started, duration, interrupted, scenarios, rigFile, problems,
                Duration.ZERO);
    }

    public RunSummary(String runId, String harnessVersion, String rig, Map<String, String> labels, Instant started,
                      Duration duration, boolean interrupted, List<ScenarioResult> scenarios, String rigFile) {
        this(runId, harnessVersion, rig, labels, started, duration, interrupted, scenarios, rigFile, List.of());
    }

    /** A summary that does not say which rig file it ran on. */
    public RunSummary(String runId, String harnessVersion, String rig, Map<String, String> labels, Instant started,
                      Duration duration, boolean interrupted, List<ScenarioResult> scenarios) {
        this(runId, harnessVersion, rig, labels, started, duration, interrupted, scenarios, "");
    }

    /** This run, failed for a reason outside any scenario. */
    public RunSummary withProblem(String problem) {
        List<String> all = new java.util.ArrayList<>(problems);
        all.add(problem);
        return new RunSummary(runId, harnessVersion, rig, labels, started, duration, interrupted, scenarios, rigFile, all,
                hostLag);
    }

    /** This run, with the worst lag its host-lag probe saw. */
    public RunSummary withHostLag(Duration lag) {
        return new RunSummary(runId, harnessVersion, rig, labels, started, duration, interrupted, scenarios, rigFile,
                problems, lag);
    }

    public long count(ScenarioStatus status) {
        return scenarios.stream().filter(s -> s.status() == status).count();
    }

    /** The process exit code: see {@link ExitCodes}. */
    public int exitCode() {
        if (interrupted) {
            return ExitCodes.INTERRUPTED;
        }
        if (count(ScenarioStatus.FAILED) > 0 || count(ScenarioStatus.NOT_RUN) > 0 || !problems.isEmpty()) {
            return ExitCodes.FAILED;
        }
        if (count(ScenarioStatus.INCONCLUSIVE) > 0) {
            return ExitCodes.RIG_ERROR; // the host, not the device: an infrastructure failure
        }
        if (count(ScenarioStatus.PASSED) == 0) {
            return ExitCodes.NOTHING_RAN;
        }
        return ExitCodes.PASSED;
    }

    /**
     * The closing line, in the plain form CI systems read: {@code N passed, N failed}; inconclusive scenarios are
     * counted only when there are some.
     */
    public String countsLine() {
        long inconclusive = count(ScenarioStatus.INCONCLUSIVE);
        return count(ScenarioStatus.PASSED) + " passed, " + count(ScenarioStatus.FAILED) + " failed, "
                + (inconclusive > 0 ? inconclusive + " inconclusive (host overloaded), " : "")
                + count(ScenarioStatus.NOT_APPLICABLE) + " not applicable, " + count(ScenarioStatus.NOT_RUN) + " not run";
    }
}
