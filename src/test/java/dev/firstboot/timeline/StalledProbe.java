package dev.firstboot.timeline;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/** Host-lag probes held up the way an overloaded host holds up the harness's threads, for tests outside this package. */
public final class StalledProbe {
    private StalledProbe() {
    }

    /**
     * A probe that woke once {@code lag} late, stalled from {@code fromNanoTime} on (the {@link System#nanoTime()}
     * clock), and is on time otherwise. {@link HostLagProbe#close()} ends its thread.
     */
    public static HostLagProbe stalledAt(long fromNanoTime, Duration lag) throws InterruptedException {
        AtomicLong clock = new AtomicLong(fromNanoTime - HostLagProbe.PERIOD.toNanos());
        CountDownLatch recorded = new CountDownLatch(1);
        HostLagProbe probe = new HostLagProbe(clock::get, due -> {
            if (due == fromNanoTime) {
                clock.set(fromNanoTime + lag.toNanos());
                return;
            }
            recorded.countDown(); // due again: the stall is recorded, and the clock stands still from here
            new CountDownLatch(1).await();
        }, HostLagProbe.PERIOD);
        probe.begin();
        recorded.await();
        return probe;
    }

    /**
     * A probe whose thread fell asleep once and never woke: by its clock (the real one, {@code lag} ahead) it has been
     * overdue by {@code lag} and more from the moment it is returned. {@link HostLagProbe#close()} ends its thread.
     */
    public static HostLagProbe overdueBy(Duration lag) throws InterruptedException {
        CountDownLatch asleep = new CountDownLatch(1);
        AtomicLong ahead = new AtomicLong();
        HostLagProbe probe = new HostLagProbe(() -> System.nanoTime() + ahead.get(), due -> {
            asleep.countDown();
            new CountDownLatch(1).await(); // held up until close() interrupts it
        }, Duration.ofNanos(1)); // due at once, so every window from now on overlaps the stall
        probe.begin();
        asleep.await();
        ahead.set(lag.toNanos());
        return probe;
    }
}
