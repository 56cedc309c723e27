package dev.firstboot.timeline;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One immutable event on a boot timeline.
 *
 * @param nanos      monotonic time since the timeline's start, in nanoseconds; the only clock phases use
 * @param wallClock  wall-clock time, for humans reading reports
 * @param origin     who saw it
 * @param kind       what happened
 * @param subject    what it happened to: a registration id, device id, or rig part name; never a secret
 * @param attributes details, already masked
 */
public record TimelineEvent(long nanos, Instant wallClock, Origin origin, EventKind kind, String subject,
                            Map<String, String> attributes) {
    public TimelineEvent {
        Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        attributes = Map.copyOf(attributes);
    }

    public String attribute(String name) {
        return attributes.getOrDefault(name, "");
    }

    public double seconds() {
        return nanos / 1e9;
    }

    @Override
    public String toString() {
        return String.format("%9.3f s  %-8s %-18s %s %s", seconds(), origin, kind, subject, attributes);
    }
}
