package dev.firstboot.timeline;

import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The fault checks on hand-made timelines: what passes, what fails, and the words of each failure. */
class FaultJudgeTest {
    private static final String REG = "dev-01";
    private final List<TimelineEvent> events = new ArrayList<>();

    private void at(double seconds, EventKind kind, String subject, Map<String, String> attributes) {
        events.add(new TimelineEvent(Math.round(seconds * 1e9), Instant.EPOCH, Origin.SERVICE, kind, subject,
                Fixtures.filled(kind, attributes)));
    }

    private void request(double s) {
        at(s, EventKind.DPS_REQUEST, REG, Map.of("operation", "register"));
    }

    private void response(double s, int status, int retryAfter) {
        at(s, EventKind.DPS_RESPONSE, REG, Map.of("status", Integer.toString(status),
                "retryAfter", Integer.toString(retryAfter)));
    }

    private FaultJudge judge() {
        return new FaultJudge(events, REG);
    }

    @Test
    void aDeviceThatWaitsOutRetryAfterPassesAndOneThatDoesNotIsNamedWithTheGap() {
        request(0.0);
        response(0.01, 429, 2);
        request(2.02);
        response(2.03, 429, 2);
        request(4.05);
        response(4.06, 202, 1);
        assertThat(judge().waitedAfterThrottling(2)).isEmpty();
        assertThat(judge().retriedAtMost(2)).isEmpty();
        assertThat(judge().retriedAtMost(1)).hasValueSatisfying(m -> assertThat(m)
                .startsWith("the device retried 2 times, more than 1; DPS saw 3 requests from dev-01"));

        events.clear();
        request(0.0);
        response(0.01, 429, 2);
        request(0.3);
        assertThat(judge().waitedAfterThrottling(2)).hasValue("the device retried 0.290 s after DPS answered "
                + "HTTP 429 with retry-after 2 at 0.010 s; it must wait at least 2 s");
    }

    @Test
    void withoutAThrottledRetryTheWaitIsNotExercised() {
        request(0.0);
        response(0.01, 202, 1);
        assertThat(judge().waitedAfterThrottling(2)).hasValueSatisfying(m ->
                assertThat(m).startsWith("the device never retried after DPS answered 429"));
    }

    @Test
    void backoffMustBeAtLeastASecondAndNeverShrinkWithinARowOfFailures() {
        request(0.0);
        response(0.01, 503, 0);
        request(1.02);
        response(1.03, 503, 0);
        request(3.04);
        response(3.05, 202, 1);
        assertThat(judge().backedOff()).isEmpty();

        events.clear();
        request(0.0);
        response(0.01, 503, 0);
        request(2.02);
        response(2.03, 503, 0);
        request(3.04);
        assertThat(judge().backedOff()).hasValue("the device did not back off: after HTTP 503 at 2.030 s it waited "
                + "1.010 s, less than the 2.010 s it waited after the failure before");

        events.clear();
        at(0.0, EventKind.HUB_CONNECT, "d", Map.of("hub", "hub-a"));
        at(0.01, EventKind.HUB_CONNACK, "d", Map.of("hub", "hub-a", "returnCode", "3"));
        at(0.06, EventKind.HUB_CONNECT, "d", Map.of("hub", "hub-a"));
        assertThat(judge().backedOff()).hasValue("the device did not back off: it retried 0.050 s after CONNACK 3 "
                + "from hub hub-a at 0.010 s; a conforming device waits at least 1 s, and no less each time");
    }

    @Test
    void aSuccessStartsANewRowSoAShortWaitAfterItIsNoRegression() {
        request(0.0);
        response(0.01, 503, 0);
        request(4.0);
        response(4.01, 202, 1);
        request(5.0);
        response(5.01, 503, 0);
        request(6.02);
        assertThat(judge().backedOff()).isEmpty();
    }

    @Test
    void givingUpIsJudgedOnTheDevicesOwnReportAndItsWords() {
        request(0.0);
        TimelineEvent failed = new TimelineEvent(8_000_000_000L, Instant.EPOCH, Origin.DEVICE,
                EventKind.DEVICE_MILESTONE, REG, Map.of("milestone", "failed",
                "reason", "no assignment within 8 s; DPS last answered HTTP 500"));
        assertThat(judge().gaveUp(Optional.of(failed), 15, "no assignment within")).isEmpty();
        assertThat(judge().gaveUp(Optional.of(failed), 15, "disabled")).hasValue("the device gave up, but reported "
                + "\"no assignment within 8 s; DPS last answered HTTP 500\", which does not say \"disabled\"");
        assertThat(judge().gaveUp(Optional.empty(), 15, "x")).hasValue("the device had not given up within 15 s; "
                + "it was still trying: DPS saw 1 requests from dev-01, the first at 0.000 s, the last at 0.000 s");
    }

    @Test
    void anExpiredCertificateMustHaveBeenServedAndNeverTrusted() {
        assertThat(judge().neverTrustedExpired()).hasValueSatisfying(m ->
                assertThat(m).startsWith("DPS never served its expired certificate"));
        at(0.1, EventKind.FAULT_INJECTED, "dps", Map.of("fault", "expired-certificate"));
        at(0.2, EventKind.TLS_FAILED, "dps", Map.of("serverCertificate", "expired", "reason", "bad_certificate"));
        assertThat(judge().neverTrustedExpired()).isEmpty();
        at(1.1, EventKind.FAULT_INJECTED, "dps", Map.of("fault", "expired-certificate"));
        at(1.2, EventKind.TLS_HANDSHAKE, "dps", Map.of("serverCertificate", "expired", "peer", REG));
        request(1.3);
        assertThat(judge().neverTrustedExpired()).hasValue("the device completed a TLS handshake with DPS's expired "
                + "certificate at 1.200 s and sent 1 requests over it");
    }
}
