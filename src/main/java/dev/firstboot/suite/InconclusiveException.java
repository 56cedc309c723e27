package dev.firstboot.suite;

import java.time.Duration;

/**
 * A time limit was missed while the host was too loaded to time the device: the scenario is reported
 * {@link ScenarioStatus#INCONCLUSIVE}, an infrastructure failure (the farm may retry it), never a device failure.
 */
public final class InconclusiveException extends RuntimeException {
    /** The words every inconclusive verdict starts with (the farm and scripts may look for them). */
    public static final String PREFIX = "inconclusive: the host was overloaded";

    InconclusiveException(Duration lag, Duration tolerated, Throwable missed) {
        super(PREFIX + " (lag " + lag.toMillis() + " ms): the harness's own threads woke up to " + lag.toMillis()
                + " ms late (more than the " + tolerated.toMillis() + " ms it tolerates) while it timed this, so the "
                + "missed limit says nothing about the device; run it again on a quieter host (fewer parallel jobs or "
                + "--threads). What was missed: " + missed.getMessage(), missed);
    }
}
