package dev.firstboot.timeline;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The marks of one boot, read off a timeline; phases are the time between two marks. */
public final class BootPhases {
    private final Map<BootMark, TimelineEvent> marks = new EnumMap<>(BootMark.class);

    private BootPhases() {
    }

    public static BootPhases of(List<TimelineEvent> events) {
        BootPhases p = new BootPhases();
        for (TimelineEvent e : events) {
            for (BootMark m : BootMark.values()) {
                if (!p.marks.containsKey(m) && m.predicate().test(e)) {
                    p.marks.put(m, e);
                }
            }
        }
        return p;
    }

    public Optional<TimelineEvent> mark(BootMark m) {
        return Optional.ofNullable(marks.get(m));
    }

    /** Seconds from one mark to another, when both happened in that order. */
    public Optional<Double> seconds(BootMark from, BootMark to) {
        TimelineEvent a = marks.get(from);
        TimelineEvent b = marks.get(to);
        if (a == null || b == null || b.nanos() < a.nanos()) {
            return Optional.empty();
        }
        return Optional.of((b.nanos() - a.nanos()) / 1e9);
    }

    /** Which marks were seen, for error messages. */
    public String seen() {
        if (marks.isEmpty()) {
            return "no boot marks at all";
        }
        StringBuilder out = new StringBuilder();
        marks.forEach((m, e) -> out.append(out.isEmpty() ? "" : ", ").append(m.label()).append(String.format(" at %.3f s", e.seconds())));
        return out.toString();
    }
}
