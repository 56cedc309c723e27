package dev.firstboot.service;

import dev.firstboot.rig.RigException;
import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;

import java.time.Duration;
import java.util.List;

/** The embedded backend with a timeline, as a scenario would have it; one per test. */
final class EmbeddedRig implements AutoCloseable {
    static final String ID_SCOPE = "0ne00FB0001";

    final Timeline timeline = new Timeline(new Redactor());
    final EmbeddedBackend backend;

    EmbeddedRig(int retryAfterSeconds, List<String> hubs) throws RigException {
        this(new EmbeddedBackend.Settings(ID_SCOPE, retryAfterSeconds, hubs));
    }

    EmbeddedRig(EmbeddedBackend.Settings settings) throws RigException {
        backend = EmbeddedBackend.start(settings, timeline);
    }

    EmbeddedRig() throws RigException {
        this(1, List.of("hub-a"));
    }

    List<TimelineEvent> events(EventKind kind, String subject) {
        return timeline.events(e -> e.kind() == kind && e.subject().equals(subject));
    }

    /** Waits for an event recorded on the server's I/O thread after the client already saw the effect. */
    TimelineEvent await(EventKind kind, String subject) throws InterruptedException {
        return timeline.await(e -> e.kind() == kind && e.subject().equals(subject), Duration.ofSeconds(5))
                .orElseThrow(() -> new AssertionError("no " + kind + " for " + subject + " within 5 s; timeline:\n"
                        + timeline.render()));
    }

    @Override
    public void close() {
        backend.close();
    }
}
