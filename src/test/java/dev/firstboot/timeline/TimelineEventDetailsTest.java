package dev.firstboot.timeline;

import dev.firstboot.secret.Redactor;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Details are held to their kind: a judge that reads a missing or misspelt key errors instead of passing. */
class TimelineEventDetailsTest {
    private static TimelineEvent at(double seconds, EventKind kind, String subject, Map<String, String> details) {
        return new TimelineEvent(Math.round(seconds * 1e9), Instant.EPOCH, Origin.SERVICE, kind, subject, details);
    }

    @Test
    void aRequiredDetailIsReadAndAnOptionalOneMayBeAbsentOrEmpty() {
        TimelineEvent response = at(1.5, EventKind.DPS_RESPONSE, "dev-1",
                Map.of("operation", "register", "status", "202", "errorCode", ""));
        assertThat(response.detail("status")).isEqualTo("202");
        assertThat(response.is("status", "202")).isTrue();
        assertThat(response.optionalDetail("errorCode")).as("an empty value is no value").isEmpty();
        assertThat(response.optionalDetail("retryAfter")).isEmpty();
        assertThat(response.carries("retryAfter", "0")).isFalse();
    }

    @Test
    void aJudgeReadingADetailTheEventLacksErrorsNamingTheEventAndWhatItCarries() {
        TimelineEvent milestone = at(2.25, EventKind.DEVICE_MILESTONE, "dev-1", Map.of("milestone", "failed"));
        assertThatThrownBy(() -> milestone.detail("reason"))
                .isInstanceOf(MissingDetailException.class)
                .hasMessage("the DEVICE_MILESTONE event for \"dev-1\" at 2.250 s carries no detail \"reason\" (it "
                        + "carries [milestone]); the judge that reads it expected every such event to, so either its "
                        + "producer stopped writing it or the judge should use optionalDetail");
    }

    @Test
    void aMisspeltKeyIsAnErrorEvenInAnOptionalRead() {
        TimelineEvent connack = at(3, EventKind.HUB_CONNACK, "dev-1", Map.of("hub", "hub-a", "returnCode", "0"));
        assertThatThrownBy(() -> connack.optionalDetail("returncode"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a judge reads the detail \"returncode\" of a HUB_CONNACK event, which that kind never "
                        + "carries (it has hub, returnCode)");
        assertThatThrownBy(() -> connack.is("retrunCode", "0")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aProducerThatRenamesOrDropsADetailIsRefusedWhenItRecords() {
        Timeline timeline = new Timeline(new Redactor());
        assertThatThrownBy(() -> timeline.record(Origin.SERVICE, EventKind.HUB_CONNACK, "dev-1",
                Map.of("hub", "hub-a", "return_code", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a HUB_CONNACK event for \"dev-1\" does not fit its kind: HUB_CONNACK needs the detail "
                        + "\"returnCode\"; HUB_CONNACK has no detail \"return_code\" (it has hub, returnCode). Its "
                        + "producer and EventKind.HUB_CONNACK must agree");
        assertThat(timeline.events()).isEmpty();
    }

    @Test
    void aJudgeOverEventsWithAMissingDetailErrorsInsteadOfPassing() {
        // A hub connection whose answer lost its hub name: the fault judge must not count it as "not this hub".
        List<TimelineEvent> events = List.of(
                at(1, EventKind.HUB_CONNECT, "dev-1", Map.of("hub", "hub-a", "clientId", "dev-1", "username", "u")),
                new TimelineEvent(2_000_000_000L, Instant.EPOCH, Origin.DEVICE, EventKind.DEVICE_MILESTONE, "dev-1",
                        Map.of("milestone", "hub-connected")));
        assertThatThrownBy(() -> new FaultJudge(events, "dev-1").gaveUp(
                java.util.Optional.of(events.get(1)), 10, "gave up"))
                .isInstanceOf(MissingDetailException.class)
                .hasMessageContaining("carries no detail \"hub\"");
    }

    @Test
    void harnessNotesAreFreeForm() {
        TimelineEvent note = at(0, EventKind.HARNESS_NOTE, "rig", Map.of("scenario", "first boot", "anything", "x"));
        assertThat(note.optionalDetail("anything")).hasValue("x");
        assertThat(note.optionalDetail("other")).isEmpty();
    }
}
