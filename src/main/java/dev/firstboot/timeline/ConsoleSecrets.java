package dev.firstboot.timeline;

import dev.firstboot.secret.Redactor;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rule that a device never prints a secret (a UDS or a symmetric key it was given, a private key the harness
 * derived or issued, a SAS signature it sent), whole or any part long enough to count ({@link Redactor} says what a
 * leak is): every console line passes the run's {@link Redactor} through {@link #line} on its way to the timeline,
 * which marks a line that gave one away, and {@link #leak} finds the first such line. A secret the harness learns
 * only later (a SAS signature a device prints before it sends it) is found there too, since {@link #leak} asks the
 * redactor again. Holds for every kind of device.
 */
public final class ConsoleSecrets {
    /** The attribute of a {@link EventKind#CONSOLE_LINE} that says whether it gave a secret away. */
    public static final String SECRET = "secret";
    public static final String PRINTED = "printed";
    public static final String NONE = "none";

    private ConsoleSecrets() {
    }

    /** The attributes of a console line the device printed: the line masked, and whether it revealed a secret. */
    public static Map<String, String> line(Redactor redactor, String raw) {
        return Map.of("line", redactor.mask(raw), SECRET, redactor.reveals(raw) ? PRINTED : NONE);
    }

    /**
     * Why the device broke the rule on this timeline: the first line that gave a secret away, when it was printed or
     * by what {@code redactor} knows now, with its number and the line before it, both masked.
     */
    public static Optional<String> leak(List<TimelineEvent> events, Redactor redactor) {
        int number = 0;
        String previous = null;
        for (TimelineEvent e : events) {
            if (e.kind() != EventKind.CONSOLE_LINE || e.origin() != Origin.DEVICE) {
                continue;
            }
            number++;
            String line = e.detail("line");
            if (PRINTED.equals(e.attributes().get(SECRET)) || redactor.reveals(line)) {
                return Optional.of("the device printed a secret on its console, line " + number
                        + String.format(" (at %.3f s)", e.seconds()) + ": \"" + redactor.mask(line) + "\""
                        + (previous == null ? "" : ", after line " + (number - 1) + ": \"" + redactor.mask(previous)
                        + "\"") + " (shown masked). A device must never print its UDS, key, SAS signature or private"
                        + " key, nor any part of one: " + Redactor.LEAK_HEX_CHARS + " characters of its hex form or "
                        + Redactor.LEAK_BASE64_CHARS + " of its base64 form are a leak");
            }
            previous = line;
        }
        return Optional.empty();
    }
}
