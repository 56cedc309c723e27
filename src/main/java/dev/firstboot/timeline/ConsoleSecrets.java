package dev.firstboot.timeline;

import dev.firstboot.secret.Redactor;

import java.util.List;
import java.util.Optional;

/**
 * The rule that a device never prints a secret the harness gave it (a UDS, a symmetric key, a private key, a SAS
 * signature): every console line passes the run's {@link Redactor} before it reaches the timeline, so a line that
 * carries a mask is a line on which the device printed one. Holds for every kind of device.
 */
public final class ConsoleSecrets {
    private ConsoleSecrets() {
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
            String line = e.attribute("line");
            if (line.contains(Redactor.MASK)) {
                return Optional.of("the device printed a secret the harness gave it on its console, line " + number
                        + String.format(" (at %.3f s)", e.seconds()) + ": \"" + line + "\""
                        + (previous == null ? "" : ", after line " + (number - 1) + ": \"" + previous + "\"")
                        + " (shown masked). A device must never print its key, UDS or SAS token");
            }
            previous = line;
        }
        return Optional.empty();
    }
}
