package dev.firstboot.rig;

import dev.firstboot.timeline.Timeline;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits on a service observation. A service API answers only when asked, so the watch asks again whenever anything
 * lands on the rig's timeline (a backend that records its own events wakes it at once) and at least every
 * {@link #EVERY}, until the observation is what the judge waits for, the device gives up, or the deadline passes.
 */
public final class ServiceWatch {
    /** The longest gap between two reads of the service. */
    public static final Duration EVERY = Duration.ofMillis(100);

    private ServiceWatch() {
    }

    /**
     * @param read  the observation (empty while the service has none)
     * @param done  when the wait is over
     * @param stop  when to stop early anyway (the device's own word that it gave up, say)
     * @return the last observation read: one that {@code done} accepts, or whatever the service had at the end
     */
    public static <T> Optional<T> until(Timeline timeline, Supplier<Optional<T>> read, Predicate<T> done,
                                        BooleanSupplier stop, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            long seen = timeline.now();
            // asked before the read, so a service that changed before the stop was seen is read as changed
            boolean stopping = stop.getAsBoolean();
            Optional<T> now = read.get();
            if (now.filter(done).isPresent() || stopping) {
                return now;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return now;
            }
            timeline.await(e -> e.nanos() > seen, Duration.ofNanos(Math.min(left, EVERY.toNanos())));
        }
    }
}
