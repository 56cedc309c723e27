package dev.firstboot.suite;

import dev.firstboot.timeline.HostLagProbe;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Who a missed time limit is on. The host was overloaded in a window the harness timed when its host-lag probe woke
 * more than {@link #OVERLOAD} late in it. A limit missed then by no more than the host kept the harness from running
 * is inconclusive ({@link InconclusiveException}); one missed on a quiet host, or by more than the host's stalls can
 * explain, stays the device's failure with the judge's own message.
 *
 * <p>250 ms: a host that serves the harness wakes its threads within tens of milliseconds, and even four CPU-burning
 * processes beside a run on two cores gave single stalls of a few hundred at worst over a whole run (179 and 314 ms,
 * docs/performance.md), while the tightest limits the features set are 2 s. Longer stalls come from stop-the-world
 * pauses, a throttled or starved CPU, or swapping, and delay whatever the harness times. Even then only a miss no
 * larger than the time the host took is excused, so a device that is slow by more is still caught.
 */
public final class TimeLimits {
    public static final Duration OVERLOAD = Duration.ofMillis(250);

    private TimeLimits() {
    }

    /** A wait on the device or the service, for at most {@code deadline}, giving what it saw. */
    public interface Wait<T, E extends Exception> {
        T upTo(Duration deadline) throws E, InterruptedException;
    }

    /** Whether the host was overloaded while the harness timed {@code [fromNanoTime, toNanoTime]}. */
    public static boolean overloaded(HostLagProbe probe, long fromNanoTime, long toNanoTime) {
        return probe.worstLag(fromNanoTime, toNanoTime).compareTo(OVERLOAD) > 0;
    }

    /**
     * Whether the host's stalls explain a span from {@code fromNanoTime} to {@code toNanoTime} that took
     * {@code overshoot} longer than its limit: the host was overloaded in it and kept the harness from running for at
     * least that long.
     */
    public static boolean explains(HostLagProbe probe, long fromNanoTime, long toNanoTime, Duration overshoot) {
        return overloaded(probe, fromNanoTime, toNanoTime)
                && probe.lost(fromNanoTime, toNanoTime).compareTo(overshoot) >= 0;
    }

    /**
     * {@code failure}, a span from {@code fromNanoTime} to {@code toNanoTime} over its limit by {@code overshoot}, for
     * the caller to throw; but when the host's stalls explain it ({@link #explains}), this throws an
     * {@link InconclusiveException} instead.
     */
    public static <T extends Throwable> T overrun(HostLagProbe probe, T failure, long fromNanoTime, long toNanoTime,
                                                  Duration overshoot) {
        if (explains(probe, fromNanoTime, toNanoTime, overshoot)) {
            throw new InconclusiveException(probe.worstLag(fromNanoTime, toNanoTime), probe.lost(fromNanoTime, toNanoTime),
                    String.format(Locale.ROOT, "more than the %.3f s it was over its limit", overshoot.toNanos() / 1e9),
                    failure);
        }
        return failure;
    }

    /**
     * Waits up to {@code deadline} for what {@code arrived} accepts and gives what the wait saw, arrived or not. A
     * wait that ran out while the host was overloaded is given back the time the host kept the harness from
     * running: when what it waits for ({@code what}) arrives in that extra time, it came late by no more than the
     * host's stalls and this throws an {@link InconclusiveException}; when it still does not, the device had the whole
     * deadline and the caller judges it as usual. A wait that ended early (a refusal, the device giving up) is not
     * extended.
     */
    public static <T, E extends Exception> T within(HostLagProbe probe, Duration deadline, Wait<T, E> wait,
                                                    Predicate<T> arrived, String what) throws E, InterruptedException {
        long since = System.nanoTime();
        T seen = wait.upTo(deadline);
        long end = System.nanoTime();
        if (arrived.test(seen) || end - since < deadline.toNanos() || !overloaded(probe, since, end)) {
            return seen;
        }
        Duration lag = probe.worstLag(since, end);
        Duration lost = probe.lost(since, end);
        T late = wait.upTo(lost);
        if (!arrived.test(late)) {
            return late;
        }
        double after = (System.nanoTime() - since) / 1e9;
        throw new InconclusiveException(lag, lost, String.format(Locale.ROOT, "and it came %.1f s after the wait "
                + "began, within that time", after), new AssertionError(what + " within "
                + deadline.toMillis() / 1000.0 + " s"));
    }
}
