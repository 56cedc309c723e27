package dev.firstboot.timeline;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterCheckTest {
    private final List<TimelineEvent> events = new ArrayList<>();

    private void at(double seconds, EventKind kind, Map<String, String> attrs) {
        events.add(new TimelineEvent((long) (seconds * 1e9), Instant.EPOCH, Origin.SERVICE, kind, "dev-1",
                Fixtures.filled(kind, attrs)));
    }

    @Test
    void aDeviceThatWaitsAsAskedHonoursRetryAfter() {
        at(0.10, EventKind.DPS_REQUEST, Map.of("operation", "register"));
        at(0.12, EventKind.DPS_RESPONSE, Map.of("status", "202", "retryAfter", "1"));
        at(1.13, EventKind.DPS_REQUEST, Map.of("operation", "status"));
        assertThat(RetryAfterCheck.judge(events)).isInstanceOf(RetryAfterCheck.Result.Honoured.class);
    }

    @Test
    void aDeviceThatPollsAtOnceIsCaughtWithTheTimesInTheMessage() {
        at(0.10, EventKind.DPS_REQUEST, Map.of("operation", "register"));
        at(0.12, EventKind.DPS_RESPONSE, Map.of("status", "202", "retryAfter", "1"));
        at(0.13, EventKind.DPS_REQUEST, Map.of("operation", "status"));
        var result = RetryAfterCheck.judge(events);
        assertThat(result).isInstanceOf(RetryAfterCheck.Result.Violated.class);
        assertThat(((RetryAfterCheck.Result.Violated) result).description())
                .contains("polled 0.010 s after DPS asked it to retry after 1 s");
    }

    @Test
    void withoutAnyPollTheCheckSaysItCannotJudge() {
        at(0.12, EventKind.DPS_RESPONSE, Map.of("status", "202", "retryAfter", "1"));
        assertThat(RetryAfterCheck.judge(events)).isInstanceOf(RetryAfterCheck.Result.NoPoll.class);
    }
}
