package dev.firstboot.timeline;

import java.util.Map;

/** Where producers (devices, emulators, controls) put events. Implementations are thread-safe. */
@FunctionalInterface
public interface TimelineSink {
    /** A sink that drops everything, for standalone tools that keep no timeline. */
    TimelineSink NONE = (origin, kind, subject, attributes) -> { };

    void record(Origin origin, EventKind kind, String subject, Map<String, String> attributes);

    default void record(Origin origin, EventKind kind, String subject) {
        record(origin, kind, subject, Map.of());
    }
}
