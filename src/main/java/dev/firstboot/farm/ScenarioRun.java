package dev.firstboot.farm;

import java.util.List;

/**
 * One scenario run on one board: one attempt of one boot of a repeated run. Earlier attempts of a rig failure that
 * was retried stay in the report, marked {@code retried}.
 *
 * @param boot    1..repeat
 * @param attempt 1 for the first try, 2.. for retries of a rig failure
 */
record ScenarioRun(String runId, String board, String host, String pool, int boot, int attempt, String feature,
                   String name, String location, Outcome outcome, String message, double durationSeconds,
                   List<Sample> measurements, boolean retried) {
    ScenarioRun {
        measurements = List.copyOf(measurements);
    }

    /** How a scenario ended on a board. */
    enum Outcome {
        PASSED, FAILED, RIG_FAILURE, NOT_APPLICABLE, NOT_RUN
    }

    record Sample(String name, double value, String unit, double limit) {
    }

    /** Measurements count for board statistics only when the device actually booted for the scenario. */
    boolean deviceRan() {
        return !retried && (outcome == Outcome.PASSED || outcome == Outcome.FAILED);
    }
}
