package dev.firstboot.rig;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** One thing done to a board from outside: its reset line, its two buttons, its power. */
public enum ControlAction {
    RESET("reset", "press and release RESET"),
    PRESS_A("press A", "press and hold button A"),
    RELEASE_A("release A", "release button A"),
    PRESS_B("press B", "press and hold button B"),
    RELEASE_B("release B", "release button B"),
    POWER_OFF("power off", "switch the board's power off"),
    POWER_ON("power on", "switch the board's power on");

    private final String label;
    private final String instruction;

    ControlAction(String label, String instruction) {
        this.label = label;
        this.instruction = instruction;
    }

    /** As people and control channels say it: {@code press A}, {@code power off}. */
    public String label() {
        return label;
    }

    /** What an operator is asked to do when the rig has no command for it. */
    public String instruction() {
        return instruction;
    }

    /** The rig-file field for its command: {@code press-a}, {@code power-off}. */
    public String field() {
        return label.toLowerCase(Locale.ROOT).replace(' ', '-');
    }

    public static Optional<ControlAction> parse(String text) {
        String t = text.trim().replaceAll("\\s+", " ");
        return Arrays.stream(values()).filter(a -> a.label.equalsIgnoreCase(t)).findFirst();
    }

    public static String labels() {
        return Arrays.stream(values()).map(ControlAction::label).collect(Collectors.joining(", "));
    }
}
