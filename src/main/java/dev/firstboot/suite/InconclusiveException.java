package dev.firstboot.suite;

import java.time.Duration;
import java.util.Locale;

/**
 * A time limit was missed while the host was too loaded to time the device, by no more than the host kept the harness
 * from running: the scenario is reported {@link ScenarioStatus#INCONCLUSIVE}, an infrastructure failure (the farm may
 * retry it), never a device failure.
 */
public final class InconclusiveException extends RuntimeException {
    /** The words every inconclusive verdict starts with. */
    public static final String PREFIX = "inconclusive: the host was overloaded";

    /**
     * @param lag     the probe's worst lateness in the window
     * @param lost    how long the probe was late in it in all
     * @param because why that explains the miss, e.g. "more than the 0.3 s the phase was over its limit"
     * @param missed  the limit that was missed, in the judge's words
     */
    InconclusiveException(Duration lag, Duration lost, String because, Throwable missed) {
        super(String.format(Locale.ROOT, "%s (lag %d ms): the harness's own threads woke up to %d ms late (it tolerates "
                        + "%d ms) and were kept from running for %.1f s in all while it timed this, %s, so the missed "
                        + "limit says nothing about the device; run it again on a quieter host (fewer parallel jobs or "
                        + "--threads). What was missed: %s", PREFIX, lag.toMillis(), lag.toMillis(),
                TimeLimits.OVERLOAD.toMillis(), lost.toMillis() / 1000.0, because, missed.getMessage()), missed);
    }
}
