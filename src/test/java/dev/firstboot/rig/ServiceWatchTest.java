package dev.firstboot.rig;

import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.Timeline;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Waiting on a service that answers only when asked: done, stopped early, or out of time, never a hang. */
class ServiceWatchTest {
    private final Timeline timeline = new Timeline(new Redactor());

    @Test
    void itReadsAgainUntilTheObservationIsWhatTheJudgeWaitsFor() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        Optional<Integer> seen = ServiceWatch.until(timeline, () -> Optional.of(reads.incrementAndGet()), n -> n >= 3,
                () -> false, Duration.ofSeconds(5));
        assertThat(seen).hasValue(3);
    }

    @Test
    void anEventOnTheTimelineWakesItAtOnce() throws Exception {
        AtomicInteger state = new AtomicInteger();
        Thread service = new Thread(() -> {
            state.set(1);
            timeline.record(Origin.DEVICE, EventKind.CONSOLE_LINE, "board", Map.of("line", "assigned"));
        });
        long start = System.nanoTime();
        service.start();
        Optional<Integer> seen = ServiceWatch.until(timeline, () -> Optional.of(state.get()), n -> n == 1,
                () -> false, Duration.ofSeconds(5));
        service.join();
        assertThat(seen).hasValue(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void aStopEndsTheWaitWithAReadMadeAfterTheStopWasSeen() throws Exception {
        AtomicInteger state = new AtomicInteger();
        Optional<Integer> seen = ServiceWatch.until(timeline, () -> Optional.of(state.get()), n -> n == 99,
                () -> {
                    state.set(7); // the service changed just before the stop evidence appeared
                    return true;
                }, Duration.ofSeconds(5));
        assertThat(seen).hasValue(7);
    }

    @Test
    void atTheDeadlineItReturnsWhatTheServiceHad() throws Exception {
        long start = System.nanoTime();
        Optional<String> seen = ServiceWatch.until(timeline, Optional::<String>empty, s -> true, () -> false,
                Duration.ofMillis(300));
        assertThat(seen).isEmpty();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300)).isLessThan(Duration.ofSeconds(3));
    }
}
