package dev.firstboot.timeline;

import java.util.Map;

/** Where producers (devices, emulators, controls) put events. Implementations are thread-safe. */
@FunctionalInterface
public interface TimelineSink {
    /** A sink that drops everything, for standalone tools that keep no timeline. */
    TimelineSink NONE = (origin, kind, subject, attributes) -> { };

    void record(Origin origin, EventKind kind, String subject, Map<String, String> attributes);

    /**
     * A SAS token a service saw on the wire: wire evidence of a secret, which a backend that offers wire evidence
     * makes one of the run's secrets ({@link dev.firstboot.secret.Redactor#registerSasToken}), so it is masked and a
     * device that printed it (before or after it sent it) has leaked it. Never an event: the token is not kept.
     * Sinks that keep no run's secrets ignore it.
     */
    default void sasTokenSeen(String token) {
    }

    default void record(Origin origin, EventKind kind, String subject) {
        record(origin, kind, subject, Map.of());
    }

    /**
     * An event that happened earlier, at {@code nanoTime} on this machine's {@link System#nanoTime()} clock (which
     * containers on the same kernel share): a producer in another process forwards it late but keeps its time.
     * Sinks without a clock of their own just record it now.
     */
    default void recordAt(long nanoTime, Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
        record(origin, kind, subject, attributes);
    }
}
