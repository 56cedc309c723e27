package dev.firstboot.timeline;

import dev.firstboot.secret.Redactor;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The rule that a device never prints a secret the harness gave it (a UDS, a symmetric key, a private key, a SAS
 * signature), whole or any part long enough to count ({@link Redactor#LEAK_HEX_CHARS} characters of its hex form,
 * {@link Redactor#LEAK_BASE64_CHARS} of its base64 form): every console line passes the run's {@link Redactor}
 * through {@link #line} on its way to the timeline, which marks a line that gave one away, and {@link #leak} finds
 * the first such line. Holds for every kind of device.
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

    /** Why the device broke the rule on this timeline: the first such line, its number and the line before it. */
    public static Optional<String> leak(List<TimelineEvent> events) {
        int number = 0;
        String previous = null;
        for (TimelineEvent e : events) {
            if (e.kind() != EventKind.CONSOLE_LINE || e.origin() != Origin.DEVICE) {
                continue;
            }
            number++;
            String line = e.detail("line");
            if (PRINTED.equals(e.attributes().get(SECRET))) {
                return Optional.of("the device printed a secret the harness gave it on its console, line " + number
                        + String.format(" (at %.3f s)", e.seconds()) + ": \"" + line + "\""
                        + (previous == null ? "" : ", after line " + (number - 1) + ": \"" + previous + "\"")
                        + " (shown masked). A device must never print its UDS, key, SAS token or private key, nor any"
                        + " part of one: " + Redactor.LEAK_HEX_CHARS + " characters of its hex form or "
                        + Redactor.LEAK_BASE64_CHARS + " of its base64 form are a leak");
            }
            previous = line;
        }
        return Optional.empty();
    }
}
