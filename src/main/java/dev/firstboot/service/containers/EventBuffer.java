package dev.firstboot.service.containers;

import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * The emulators' timeline events inside the container, kept with their {@link System#nanoTime()} so the rig on the
 * host can put them on its own timeline at the time they happened (the container shares the host's kernel clock).
 * Bounded: the oldest are dropped first.
 */
final class EventBuffer implements TimelineSink {
    static final int CAPACITY = 20_000;

    record Event(long seq, long nanoTime, Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
        Event {
            attributes = Map.copyOf(attributes);
        }
    }

    private final Deque<Event> events = new ArrayDeque<>();
    private long next = 1;

    @Override
    public synchronized void record(Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
        Map<String, String> clean = new java.util.LinkedHashMap<>();
        attributes.forEach((k, v) -> clean.put(k, v == null ? "" : v));
        events.addLast(new Event(next++, System.nanoTime(), origin, kind, subject == null ? "" : subject, clean));
        if (events.size() > CAPACITY) {
            events.removeFirst();
        }
        notifyAll();
    }

    /** Events after {@code afterSeq}, waiting up to {@code waitMillis} for the first one. */
    synchronized List<Event> after(long afterSeq, long waitMillis) throws InterruptedException {
        long end = System.nanoTime() + waitMillis * 1_000_000L;
        while (next - 1 <= afterSeq) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        List<Event> out = new ArrayList<>();
        for (Event e : events) {
            if (e.seq() > afterSeq) {
                out.add(e);
            }
        }
        return out;
    }
}
