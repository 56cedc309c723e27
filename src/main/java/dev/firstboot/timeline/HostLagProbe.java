package dev.firstboot.timeline;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * How late the harness itself runs. A daemon thread asks to wake every {@link #PERIOD} and records how late it woke,
 * on the timeline's clock ({@link System#nanoTime()}). A judge that saw a time limit missed asks how late the probe
 * was, and for how long, within the window it measured: on a host so loaded that the harness's own threads wake late
 * (stop-the-world pauses, a starved or throttled CPU, swapping), a limit missed by that much says nothing about the
 * device.
 *
 * <p>The probe keeps, for each {@link #SLOT} of the last {@link #HISTORY}, the worst lateness that overlapped it and
 * how much of the slot it spent late; a sample allocates nothing. A lateness still going on (the probe is overdue and
 * has not woken yet) counts too, so a judge that runs the moment a stall ends still sees it. Windows are given as
 * {@code System.nanoTime()} bounds, so scenarios running at once each ask for their own.
 */
public final class HostLagProbe implements AutoCloseable {
    /** How often the probe asks to wake. */
    public static final Duration PERIOD = Duration.ofMillis(5);
    /** The resolution of the history: a window is widened to whole slots. */
    public static final Duration SLOT = Duration.ofMillis(100);
    private static final int SLOTS = 1 << 15;
    /** How far back the probe remembers (about 55 minutes); earlier lateness is forgotten. */
    public static final Duration HISTORY = SLOT.multipliedBy(SLOTS);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(1);
    private static final HostLagProbe IDLE = new HostLagProbe(System::nanoTime, due -> { }, PERIOD);

    /** Waits until the clock reads {@code dueNanoTime} or later; returns early only when interrupted. */
    interface Sleeper {
        void sleepUntil(long dueNanoTime) throws InterruptedException;
    }

    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final long period;
    private final long slot = SLOT.toNanos();
    private final Thread thread;
    // Guarded by this: the slot number each entry holds (MIN_VALUE: none yet), its worst lateness and the time within
    // it the probe spent late, in nanoseconds, and when the probe is next due (MAX_VALUE: not sleeping).
    private final long[] slotNumbers = new long[SLOTS];
    private final long[] slotWorst = new long[SLOTS];
    private final long[] slotLost = new long[SLOTS];
    private long due = Long.MAX_VALUE;
    private final long started;
    private volatile boolean closed;

    HostLagProbe(LongSupplier clock, Sleeper sleeper, Duration period) {
        this.clock = clock;
        this.sleeper = sleeper;
        this.period = period.toNanos();
        java.util.Arrays.fill(slotNumbers, Long.MIN_VALUE);
        this.started = clock.getAsLong();
        this.thread = new Thread(this::run, "firstboot-host-lag");
        this.thread.setDaemon(true);
    }

    /** A probe on the real clock, running from now until {@link #close()}. */
    public static HostLagProbe start() {
        HostLagProbe probe = new HostLagProbe(System::nanoTime, HostLagProbe::park, PERIOD);
        probe.thread.start();
        return probe;
    }

    /** A probe that never runs and so never sees lag: for a context with no run around it. */
    public static HostLagProbe idle() {
        return IDLE;
    }

    /** Starts the thread of a probe made with the package-private constructor (tests). */
    HostLagProbe begin() {
        thread.start();
        return this;
    }

    private static void park(long dueNanoTime) throws InterruptedException {
        long left;
        while ((left = dueNanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private void run() {
        long next = clock.getAsLong() + period;
        while (!closed) {
            synchronized (this) {
                due = next;
            }
            long dueAt = next;
            try {
                sleeper.sleepUntil(dueAt);
            } catch (InterruptedException e) {
                woke(dueAt, clock.getAsLong(), Long.MAX_VALUE); // closed: a stall that lasted until now is kept
                return;
            }
            long woke = clock.getAsLong();
            next = woke + period;
            woke(dueAt, woke, next);
        }
        synchronized (this) {
            due = Long.MAX_VALUE;
        }
    }

    /** Records that the probe, due at {@code dueAt}, woke at {@code woke}, and is next due at {@code next}. */
    private synchronized void woke(long dueAt, long woke, long next) {
        long late = woke - dueAt;
        if (late > 0) {
            long last = Math.floorDiv(woke, slot);
            for (long n = Math.max(Math.floorDiv(dueAt, slot), last - SLOTS + 1); n <= last; n++) {
                int i = (int) (n & (SLOTS - 1));
                if (slotNumbers[i] != n) {
                    slotNumbers[i] = n;
                    slotWorst[i] = 0;
                    slotLost[i] = 0;
                }
                slotWorst[i] = Math.max(slotWorst[i], late);
                slotLost[i] += Math.min(woke, (n + 1) * slot) - Math.max(dueAt, n * slot);
            }
        }
        due = next;
    }

    /**
     * The worst lateness of the probe that overlapped {@code [fromNanoTime, toNanoTime]} (both on the
     * {@link System#nanoTime()} clock), counting one still going on; zero when the probe always woke on time.
     */
    public synchronized Duration worstLag(long fromNanoTime, long toNanoTime) {
        long worst = 0;
        long now = clock.getAsLong();
        if (due != Long.MAX_VALUE && now > due && due <= toNanoTime && now >= fromNanoTime) {
            worst = now - due;
        }
        long last = Math.floorDiv(toNanoTime, slot);
        for (long n = Math.max(Math.floorDiv(fromNanoTime, slot), last - SLOTS + 1); n <= last; n++) {
            int i = (int) (n & (SLOTS - 1));
            if (slotNumbers[i] == n && slotWorst[i] > worst) {
                worst = slotWorst[i];
            }
        }
        return Duration.ofNanos(worst);
    }

    /**
     * How much of {@code [fromNanoTime, toNanoTime]} the probe spent late, widened to whole {@link #SLOT}s: the time
     * the host kept the harness from running (a few percent of it is ordinary wake-up jitter).
     */
    public synchronized Duration lost(long fromNanoTime, long toNanoTime) {
        long lost = 0;
        long now = clock.getAsLong();
        if (due != Long.MAX_VALUE && now > due) {
            lost = Math.max(0, Math.min(now, toNanoTime) - Math.max(due, fromNanoTime));
        }
        long last = Math.floorDiv(toNanoTime, slot);
        for (long n = Math.max(Math.floorDiv(fromNanoTime, slot), last - SLOTS + 1); n <= last; n++) {
            int i = (int) (n & (SLOTS - 1));
            if (slotNumbers[i] == n) {
                lost += slotLost[i];
            }
        }
        return Duration.ofNanos(lost);
    }

    /** The worst lateness since the probe was made. */
    public Duration worstLag() {
        return worstLag(started, clock.getAsLong());
    }

    /** Stops the probe's thread (waiting for it at most a second); what it recorded can still be asked for. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        if (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join(STOP_DEADLINE.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the probe's thread is still running (until {@link #close()}). */
    public boolean running() {
        return thread.isAlive();
    }
}
