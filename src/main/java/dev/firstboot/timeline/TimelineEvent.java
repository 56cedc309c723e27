package dev.firstboot.timeline;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One immutable event on a boot timeline. Its details are held to its kind's declaration ({@link EventKind#details()}):
 * an undeclared or a missing required detail is refused here, and a judge reads a detail with {@link #detail} (the
 * event must carry it) or {@link #optionalDetail} (it may not), never with a read that turns a missing key into "".
 *
 * @param nanos      monotonic time since the timeline's start, in nanoseconds; the only clock phases use
 * @param wallClock  wall-clock time, for humans reading reports
 * @param origin     who saw it
 * @param kind       what happened
 * @param subject    what it happened to: a registration id, device id, or rig part name; never a secret
 * @param attributes details, already masked; the form they cross processes in
 */
public record TimelineEvent(long nanos, Instant wallClock, Origin origin, EventKind kind, String subject,
                            Map<String, String> attributes) {
    public TimelineEvent {
        Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        attributes = Map.copyOf(attributes);
        List<String> problems = kind.details().problems(kind, attributes);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("a " + kind + " event for \"" + subject + "\" does not fit its kind: "
                    + String.join("; ", problems) + ". Its producer and EventKind." + kind + " must agree");
        }
    }

    /**
     * A detail the event must carry (its value may be empty). A judge that reads one the event lacks errors with a
     * {@link MissingDetailException}, so a misspelt or renamed key can never make a check pass.
     */
    public String detail(String name) {
        declared(name);
        String value = attributes.get(name);
        if (value == null) {
            throw new MissingDetailException(String.format("the %s event for \"%s\" at %.3f s carries no detail "
                    + "\"%s\" (it carries %s); the judge that reads it expected every such event to, so either its "
                    + "producer stopped writing it or the judge should use optionalDetail", kind, subject, seconds(),
                    name, attributes.keySet().stream().sorted().toList()));
        }
        return value;
    }

    /** A detail the event may lack: empty when it is absent or empty. The name must still be one the kind declares. */
    public Optional<String> optionalDetail(String name) {
        declared(name);
        return Optional.ofNullable(attributes.get(name)).filter(v -> !v.isEmpty());
    }

    /** Whether the event carries the detail {@code name} with exactly {@code value}; a missing detail is an error. */
    public boolean is(String name, String value) {
        return detail(name).equals(value);
    }

    /** Whether the event carries the optional detail {@code name} with exactly {@code value}. */
    public boolean carries(String name, String value) {
        return optionalDetail(name).filter(value::equals).isPresent();
    }


    private void declared(String name) {
        if (!kind.details().declares(name)) {
            throw new IllegalArgumentException("a judge reads the detail \"" + name + "\" of a " + kind + " event, "
                    + "which that kind never carries (it has " + kind.details().described() + ")");
        }
    }

    public double seconds() {
        return nanos / 1e9;
    }

    @Override
    public String toString() {
        return String.format("%9.3f s  %-8s %-18s %s %s", seconds(), origin, kind, subject, attributes);
    }
}
