package dev.firstboot.service.harness;

import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A running emulator's timeline events, numbered from 1 and kept with their {@link System#nanoTime()}, so a harness
 * in another process can put them on its own timeline at the time they happened ({@link EventStream} serves them).
 * Every attribute is masked with the emulator's {@link Redactor} on the way in. Bounded: the oldest are dropped first.
 * The SAS tokens the emulator sees ({@link #sasTokenSeen}) are not kept: a standalone emulator serves run after run,
 * its events never carry a token, and a harness in another process could not learn them from here anyway.
 */
public final class EventBuffer implements TimelineSink {
    public static final int CAPACITY = 20_000;

    /** One event as it was recorded. */
    public record Event(long seq, long nanoTime, Origin origin, EventKind kind, String subject,
                        Map<String, String> attributes) {
        public Event {
            attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        }
    }

    private final Redactor redactor;
    private final Deque<Event> events = new ArrayDeque<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private long next = 1;

    public EventBuffer(Redactor redactor) {
        this.redactor = redactor;
    }

    @Override
    public void record(Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
        Map<String, String> clean = new LinkedHashMap<>();
        attributes.forEach((k, v) -> clean.put(k, redactor.mask(v == null ? "" : v)));
        synchronized (this) {
            events.addLast(new Event(next++, System.nanoTime(), origin, kind,
                    redactor.mask(subject == null ? "" : subject), clean));
            if (events.size() > CAPACITY) {
                events.removeFirst();
            }
        }
        listeners.forEach(Runnable::run);
    }

    /** The number of the newest event, 0 when there is none yet. */
    public synchronized long lastSeq() {
        return next - 1;
    }

    /** The number of the oldest event still kept (events before it were dropped), or {@code lastSeq() + 1}. */
    public synchronized long firstSeq() {
        return events.isEmpty() ? next : events.peekFirst().seq();
    }

    /** Up to {@code max} kept events after {@code afterSeq}, oldest first. */
    public synchronized List<Event> after(long afterSeq, int max) {
        List<Event> out = new ArrayList<>();
        if (afterSeq >= next - 1) {
            return out;
        }
        for (var it = events.descendingIterator(); it.hasNext(); ) {
            Event e = it.next();
            if (e.seq() <= afterSeq) {
                break;
            }
            out.add(e);
        }
        java.util.Collections.reverse(out);
        return out.size() > max ? List.copyOf(out.subList(0, max)) : out;
    }

    /** {@code listener} runs (on the recording thread: it must not block) after each new event. */
    public Runnable subscribe(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }
}
