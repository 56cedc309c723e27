package dev.firstboot.timeline;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The host-lag probe on a clock the test sets and a sleeper the test holds up, so lateness appears exactly when and
 * as long as the test says: the probe's own thread runs, and the test waits for it on queues, never on time.
 */
class HostLagProbeTest {
    private static final long START = 1_000_000_000_000L;
    private static final long MS = 1_000_000L;

    /** A sleeper that says when the probe fell asleep (and until when), and wakes it only when the test lets it. */
    private static final class HeldSleeper implements HostLagProbe.Sleeper {
        final BlockingQueue<Long> asleep = new LinkedBlockingQueue<>();
        final SynchronousQueue<Boolean> wake = new SynchronousQueue<>();

        @Override
        public void sleepUntil(long dueNanoTime) throws InterruptedException {
            asleep.put(dueNanoTime);
            wake.take();
        }
    }

    @Test
    void aProbeHeldUpShowsTheStallInTheWindowsItOverlapsWhileItLastsAndAfter() throws Exception {
        AtomicLong clock = new AtomicLong(START);
        HeldSleeper sleeper = new HeldSleeper();
        try (HostLagProbe probe = new HostLagProbe(clock::get, sleeper, Duration.ofMillis(5)).begin()) {
            long first = sleeper.asleep.take();
            assertThat(first).isEqualTo(START + 5 * MS);
            clock.set(first); // woke on time
            sleeper.wake.put(true);
            long due = sleeper.asleep.take();
            assertThat(due).isEqualTo(first + 5 * MS);

            clock.set(due + 400 * MS); // the probe is held up: 400 ms overdue and not awake yet
            assertThat(probe.worstLag(due - 1000 * MS, due + 1000 * MS)).isEqualTo(Duration.ofMillis(400));
            assertThat(probe.lost(due - 1000 * MS, due + 1000 * MS)).isEqualTo(Duration.ofMillis(400));
            assertThat(probe.lost(due + 100 * MS, due + 200 * MS)).as("the part of the stall in the window")
                    .isEqualTo(Duration.ofMillis(100));
            assertThat(probe.worstLag(START, due - 300 * MS)).as("a window that ended before the stall")
                    .isZero();

            sleeper.wake.put(true); // it wakes at last and records the stall
            long next = sleeper.asleep.take();
            assertThat(next).isEqualTo(due + 405 * MS);
            assertThat(probe.worstLag(due + 100 * MS, due + 200 * MS)).as("a window inside the stall")
                    .isEqualTo(Duration.ofMillis(400));
            assertThat(probe.worstLag()).isEqualTo(Duration.ofMillis(400));
            assertThat(probe.lost(due - 1000 * MS, due + 1000 * MS)).as("recorded, over the slots it spans")
                    .isEqualTo(Duration.ofMillis(400));
            long afterwards = due + 400 * MS + 2 * HostLagProbe.SLOT.toNanos();
            assertThat(probe.worstLag(afterwards, afterwards + 1000 * MS)).as("a window after the stall ended")
                    .isZero();
        }
    }

    @Test
    void aStallThatLastsUntilTheProbeIsClosedIsKept() throws Exception {
        AtomicLong clock = new AtomicLong(START);
        HeldSleeper sleeper = new HeldSleeper();
        HostLagProbe probe = new HostLagProbe(clock::get, sleeper, Duration.ofMillis(5)).begin();
        long due = sleeper.asleep.take();
        clock.set(due + 300 * MS);
        probe.close();
        assertThat(probe.running()).isFalse();
        clock.set(due + 5000 * MS); // after the close, time goes on but the probe is not overdue any more
        assertThat(probe.worstLag()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aProbeThatAlwaysWokeOnTimeShowsNoLag() throws Exception {
        AtomicLong clock = new AtomicLong(START);
        HeldSleeper sleeper = new HeldSleeper();
        try (HostLagProbe probe = new HostLagProbe(clock::get, sleeper, Duration.ofMillis(5)).begin()) {
            for (int i = 0; i < 100; i++) {
                clock.set(sleeper.asleep.take());
                sleeper.wake.put(true);
            }
            sleeper.asleep.take();
            assertThat(probe.worstLag(START, clock.get())).isZero();
        }
    }

    @Test
    void aStallLongerThanTheHistoryIsStillReportedWithoutWalkingItAll() throws Exception {
        AtomicLong clock = new AtomicLong(START);
        HeldSleeper sleeper = new HeldSleeper();
        try (HostLagProbe probe = new HostLagProbe(clock::get, sleeper, Duration.ofMillis(5)).begin()) {
            long due = sleeper.asleep.take();
            Duration twoHours = Duration.ofHours(2);
            clock.set(due + twoHours.toNanos());
            sleeper.wake.put(true);
            sleeper.asleep.take();
            assertThat(probe.worstLag(clock.get() - 1000 * MS, clock.get())).isEqualTo(twoHours);
            assertThat(HostLagProbe.HISTORY).isLessThan(twoHours);
        }
    }

    @Test
    void theRunsProbeIsADaemonThreadThatStopsOnClose() {
        HostLagProbe probe = HostLagProbe.start();
        Thread thread = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("firstboot-host-lag") && t.isAlive()).findFirst().orElseThrow();
        assertThat(thread.isDaemon()).isTrue();
        assertThat(probe.running()).isTrue();
        probe.close();
        assertThat(probe.running()).isFalse();
    }

    @Test
    void anIdleProbeNeverLags() {
        HostLagProbe idle = HostLagProbe.idle();
        assertThat(idle.worstLag(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2)).isZero();
        assertThat(idle.running()).isFalse();
    }

    @Test
    void aStalledProbeForOtherPackagesIsOverdueByAtLeastItsLag() throws Exception {
        long before = System.nanoTime();
        try (HostLagProbe probe = StalledProbe.overdueBy(Duration.ofSeconds(1))) {
            assertThat(probe.worstLag(before, System.nanoTime())).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        }
    }
}
