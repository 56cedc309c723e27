package dev.firstboot.suite;

import dev.firstboot.timeline.HostLagProbe;
import dev.firstboot.timeline.StalledProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who a missed time limit is on: nobody (inconclusive) when the host's stalls explain the miss; the device on a quiet
 * host, and on a loaded one when the miss is more than the stalls took.
 */
class TimeLimitsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void aPhaseOverItsLimitByLessThanTheHostStalledInItIsInconclusive() throws Exception {
        long t0 = System.nanoTime();
        try (HostLagProbe probe = StalledProbe.stalledAt(t0 + S / 2, Duration.ofMillis(600))) {
            AssertionError failure = new AssertionError("the boot was too slow: boot → registration request took 2.500 s, "
                    + "over its limit of 2 s");
            assertThatThrownBy(() -> TimeLimits.overrun(probe, failure, t0, t0 + 5 * S / 2, Duration.ofMillis(500)))
                    .isInstanceOf(InconclusiveException.class).hasCause(failure)
                    .hasMessageStartingWith("inconclusive: the host was overloaded (lag 600 ms): the harness's own "
                            + "threads woke up to 600 ms late (it tolerates 250 ms) and were kept from running for 0.6 s "
                            + "in all while it timed this, more than the 0.500 s it was over its limit, so the missed "
                            + "limit says nothing about the device;")
                    .hasMessageEndingWith("What was missed: the boot was too slow: boot → registration request took "
                            + "2.500 s, over its limit of 2 s");
        }
    }

    @Test
    void aPhaseOverItsLimitByMoreThanTheHostStalledIsTheDevicesFailure() throws Exception {
        long t0 = System.nanoTime();
        AssertionError failure = new AssertionError("the boot was too slow: boot → registration request took 3.000 s");
        try (HostLagProbe probe = StalledProbe.stalledAt(t0 + S / 2, Duration.ofMillis(600))) {
            assertThat(TimeLimits.overrun(probe, failure, t0, t0 + 3 * S, Duration.ofSeconds(1))).isSameAs(failure);
            assertThat(TimeLimits.overrun(probe, failure, t0 + 2 * S, t0 + 3 * S, Duration.ofMillis(100)))
                    .as("a phase after the stall").isSameAs(failure);
        }
        try (HostLagProbe probe = StalledProbe.stalledAt(t0 + S / 2, Duration.ofMillis(200))) {
            assertThat(TimeLimits.overrun(probe, failure, t0, t0 + 3 * S, Duration.ofMillis(100)))
                    .as("200 ms late is within what a loaded host does").isSameAs(failure);
        }
        assertThat(TimeLimits.overrun(HostLagProbe.idle(), failure, t0, t0 + 3 * S, Duration.ofMillis(1))).isSameAs(failure);
    }

    /** A wait on a queue: the first wait runs out, and {@code late} (if any) arrives just after it. */
    private static TimeLimits.Wait<Optional<String>, RuntimeException> queueWait(AtomicInteger calls, Optional<String> late) {
        LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
        return deadline -> {
            Optional<String> got = Optional.ofNullable(queue.poll(deadline.toNanos(), TimeUnit.NANOSECONDS));
            if (calls.incrementAndGet() == 1) {
                late.ifPresent(queue::add);
            }
            return got;
        };
    }

    @Test
    void whatArrivesInTheTimeAnOverloadedHostTookFromAWaitIsInconclusive() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (HostLagProbe probe = StalledProbe.overdueBy(Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> TimeLimits.within(probe, Duration.ofMillis(200), queueWait(calls, Optional.of("assigned")),
                    Optional::isPresent, "the assignment of dice-01 to hub hub-a"))
                    .isInstanceOf(InconclusiveException.class)
                    .hasMessageStartingWith("inconclusive: the host was overloaded (lag ")
                    .hasMessageContaining("and it came 0.")
                    .hasMessageEndingWith("What was missed: the assignment of dice-01 to hub hub-a within 0.2 s");
        }
        assertThat(calls).hasValue(2);
    }

    @Test
    void whatDoesNotArriveEvenInTheTimeTheHostTookIsTheDevicesFailure() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (HostLagProbe probe = StalledProbe.overdueBy(Duration.ofSeconds(1))) {
            assertThat(TimeLimits.within(probe, Duration.ofMillis(200), queueWait(calls, Optional.empty()),
                    Optional::isPresent, "the assignment")).isEmpty();
        }
        assertThat(calls).as("waited again as long as the host took").hasValue(2);
    }

    @Test
    void aWaitOnAQuietHostOrOneThatEndedEarlyIsNotExtended() throws Exception {
        AtomicInteger quiet = new AtomicInteger();
        assertThat(TimeLimits.within(HostLagProbe.idle(), Duration.ofMillis(200), queueWait(quiet, Optional.of("late")),
                Optional::isPresent, "the assignment")).isEmpty();
        assertThat(quiet).hasValue(1);

        AtomicInteger early = new AtomicInteger();
        try (HostLagProbe probe = StalledProbe.overdueBy(Duration.ofSeconds(1))) {
            // e.g. DPS refused the device: the wait is over before its deadline, and that is the verdict
            TimeLimits.Wait<Optional<String>, RuntimeException> refused = d -> {
                early.incrementAndGet();
                return Optional.empty();
            };
            Optional<String> seen = TimeLimits.within(probe, Duration.ofSeconds(10), refused, Optional::isPresent,
                    "the assignment");
            assertThat(seen).isEmpty();
        }
        assertThat(early).hasValue(1);
    }
}
