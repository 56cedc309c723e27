package dev.firstboot.timeline;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * The points of one boot that phases are measured between. Each is the first timeline event that matches; the
 * device's console, the controls and the service all feed the same clock.
 */
public enum BootMark {
    BOOT("boot", e -> e.kind() == EventKind.BOOT_STARTED
            || (e.kind() == EventKind.CONTROL && (e.is("action", "reset") || e.is("action", "power on")))),
    FIRST_BYTE("first byte", e -> e.kind() == EventKind.CONSOLE_FIRST_BYTE),
    REGISTRATION_REQUEST("registration request", e -> e.kind() == EventKind.DPS_REQUEST && e.is("operation", "register")),
    CHALLENGE("challenge", e -> e.kind() == EventKind.DPS_CHALLENGE),
    ACTIVATED("activated", e -> e.kind() == EventKind.DEVICE_MILESTONE && e.is("milestone", "activated")),
    ASSIGNED("assigned", e -> e.kind() == EventKind.DPS_ASSIGNED),
    HUB_CONNECTED("hub connected", e -> e.kind() == EventKind.HUB_CONNACK && e.is("returnCode", "0"));

    private final String label;
    private final Predicate<TimelineEvent> matches;

    BootMark(String label, Predicate<TimelineEvent> matches) {
        this.label = label;
        this.matches = matches;
    }

    public String label() {
        return label;
    }

    public Predicate<TimelineEvent> predicate() {
        return matches;
    }

    /** The mark named in a feature ("registration request", "hub connected"…), case and spacing ignored. */
    public static Optional<BootMark> named(String text) {
        String wanted = text.trim().replaceAll("\\s+", " ").toLowerCase(java.util.Locale.ROOT);
        for (BootMark m : values()) {
            if (m.label.equals(wanted)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    public static String known() {
        StringBuilder out = new StringBuilder();
        for (BootMark m : values()) {
            out.append(out.isEmpty() ? "" : ", ").append('"').append(m.label).append('"');
        }
        return out.toString();
    }
}
