package dev.firstboot.timeline;

import dev.firstboot.secret.Redactor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BootPhasesTest {
    @Test
    void phasesAreMeasuredBetweenTheFirstMatchingEventsOnOneClock() throws Exception {
        Timeline t = new Timeline(new Redactor());
        t.record(Origin.DEVICE, EventKind.BOOT_STARTED, "d");
        t.record(Origin.SERVICE, EventKind.DPS_REQUEST, "d", Fixtures.filled(EventKind.DPS_REQUEST,
                Map.of("operation", "register")));
        t.record(Origin.SERVICE, EventKind.DPS_ASSIGNED, "d", Fixtures.filled(EventKind.DPS_ASSIGNED, Map.of()));
        t.record(Origin.SERVICE, EventKind.HUB_CONNACK, "d", Map.of("hub", "hub-a", "returnCode", "5"));
        BootPhases p = BootPhases.of(t.events());
        assertThat(p.seconds(BootMark.BOOT, BootMark.ASSIGNED)).isPresent();
        assertThat(p.seconds(BootMark.BOOT, BootMark.HUB_CONNECTED)).as("a refused CONNECT is no connection").isEmpty();
        assertThat(p.seen()).contains("boot at", "registration request at", "assigned at");
    }

    @Test
    void awaitReturnsAnEventAlreadyRecordedAndGivesUpAtItsDeadline() throws Exception {
        Timeline t = new Timeline(new Redactor());
        t.record(Origin.DEVICE, EventKind.BOOT_STARTED, "d");
        assertThat(t.await(e -> e.kind() == EventKind.BOOT_STARTED, Duration.ofMillis(1))).isPresent();
        long start = System.nanoTime();
        assertThat(t.await(e -> e.kind() == EventKind.DPS_ASSIGNED, Duration.ofMillis(200))).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void marksAreNamedAsFeaturesWriteThem() {
        assertThat(BootMark.named(" Registration   request ")).contains(BootMark.REGISTRATION_REQUEST);
        assertThat(BootMark.named("hub connected")).contains(BootMark.HUB_CONNECTED);
        assertThat(BootMark.named("coffee")).isEmpty();
    }
}
