package dev.firstboot.timeline;

import dev.firstboot.secret.Redactor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * An append-only stream of events on one monotonic clock, from device and service alike.
 * Every attribute is passed through the run's {@link Redactor} before it is stored, so no
 * secret reaches a listener or a report even if a producer forgets to mask it.
 */
public final class Timeline implements TimelineSink {
    private final long origin = System.nanoTime();
    private final Instant wallOrigin = Instant.now();
    private final Redactor redactor;
    private final List<TimelineEvent> events = new ArrayList<>();
    private final List<Consumer<TimelineEvent>> listeners = new CopyOnWriteArrayList<>();

    public Timeline(Redactor redactor) {
        this.redactor = redactor;
    }

    @Override
    public void record(Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
        recordAt(System.nanoTime(), origin, kind, subject, attributes);
    }

    @Override
    public void recordAt(long nanoTime, Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
        long now = nanoTime - this.origin;
        Map<String, String> masked = new LinkedHashMap<>();
        attributes.forEach((k, v) -> masked.put(k, redactor.mask(v == null ? "" : v)));
        TimelineEvent event = new TimelineEvent(now, wallOrigin.plusNanos(now), origin, kind,
                redactor.mask(subject == null ? "" : subject), masked);
        synchronized (events) {
            events.add(event);
            events.notifyAll();
        }
        for (Consumer<TimelineEvent> listener : listeners) {
            listener.accept(event);
        }
    }

    /** Nanoseconds on this timeline's clock, for producers that measure against it. */
    public long now() {
        return System.nanoTime() - origin;
    }

    /** When an event of this timeline happened, on {@link System#nanoTime()}'s clock (as the host-lag probe's). */
    public long nanoTime(TimelineEvent event) {
        return origin + event.nanos();
    }

    public void subscribe(Consumer<TimelineEvent> listener) {
        listeners.add(listener);
    }

    public List<TimelineEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    public List<TimelineEvent> events(Predicate<TimelineEvent> filter) {
        return events().stream().filter(filter).toList();
    }

    public Optional<TimelineEvent> first(Predicate<TimelineEvent> filter) {
        return events().stream().filter(filter).findFirst();
    }

    /**
     * Waits until an event matching {@code filter} exists (one already recorded counts) or the deadline passes.
     * This is how steps synchronise with devices and emulators: on a condition, never on a sleep.
     */
    public Optional<TimelineEvent> await(Predicate<TimelineEvent> filter, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (events) {
            int checked = 0;
            while (true) {
                for (; checked < events.size(); checked++) {
                    if (filter.test(events.get(checked))) {
                        return Optional.of(events.get(checked));
                    }
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                events.wait(Math.max(1, left / 1_000_000), 0);
            }
        }
    }

    /** The whole timeline as text, one event a line, for reports. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("# boot timeline, started ").append(wallOrigin).append(", seconds since start\n");
        for (TimelineEvent e : events()) {
            out.append(e).append('\n');
        }
        return out.toString();
    }
}
