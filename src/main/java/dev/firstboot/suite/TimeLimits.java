package dev.firstboot.suite;

import dev.firstboot.timeline.DeadlinePassed;
import dev.firstboot.timeline.HostLagProbe;

import java.time.Duration;
import java.util.Optional;

/**
 * Who a missed time limit is on. When the harness's own threads woke more than {@link #OVERLOAD} late within the
 * window a judge timed, the host, not the device, may have made the limit missed: the verdict is inconclusive. On a
 * quiet host the failure stands as it is, with its own message.
 *
 * <p>250 ms: a loaded host that still serves the harness wakes its threads within a few milliseconds (four CPU-bound
 * processes on two cores give well under 20 ms), while the tightest limits the features set are 2 s, so a stall of a
 * quarter of a second is already an eighth of one. Stalls that long come from stop-the-world pauses, a throttled or
 * starved CPU, or swapping, and each of them delays whatever the harness times.
 */
public final class TimeLimits {
    public static final Duration OVERLOAD = Duration.ofMillis(250);

    private TimeLimits() {
    }

    /**
     * {@code missed}, the failure of a limit timed from {@code fromNanoTime} to {@code toNanoTime}, for the caller to
     * throw; but when the probe saw the host overloaded in that window, this throws an {@link InconclusiveException}
     * instead.
     */
    public static <T extends Throwable> T judged(HostLagProbe probe, T missed, long fromNanoTime, long toNanoTime) {
        Duration lag = probe.worstLag(fromNanoTime, toNanoTime);
        if (lag.compareTo(OVERLOAD) > 0) {
            throw new InconclusiveException(lag, OVERLOAD, missed);
        }
        return missed;
    }

    /** Whether the host was overloaded while the harness timed {@code [fromNanoTime, toNanoTime]}. */
    public static boolean overloaded(HostLagProbe probe, long fromNanoTime, long toNanoTime) {
        return probe.worstLag(fromNanoTime, toNanoTime).compareTo(OVERLOAD) > 0;
    }

    /** As {@link #judged}, for a failure caused by a wait that ran out of time; any other failure is returned as is. */
    public static <T extends Throwable> T judged(HostLagProbe probe, T failure) {
        Optional<DeadlinePassed> wait = deadlineIn(failure);
        return wait.isEmpty() ? failure
                : judged(probe, failure, wait.get().waitedFromNanoTime(), wait.get().waitedToNanoTime());
    }

    private static Optional<DeadlinePassed> deadlineIn(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DeadlinePassed d) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}
