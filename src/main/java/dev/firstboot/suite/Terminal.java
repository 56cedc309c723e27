package dev.firstboot.suite;

/**
 * How a run talks to whoever watches it.
 *
 * @param tty         a person at a terminal: one live status line, redrawn in place
 * @param colour      ANSI colour (a terminal, and {@code NO_COLOR} not set)
 * @param quiet       only failures and the summary
 * @param verbose     stream the device console as it arrives
 * @param showSkipped list not-applicable scenarios one by one instead of one line per missing capability
 */
public record Terminal(boolean tty, boolean colour, boolean quiet, boolean verbose, boolean showSkipped) {
    /** Plain lines, as CI and pipes get them. */
    public static Terminal plain() {
        return new Terminal(false, false, false, false, false);
    }

    /**
     * What this process's standard output is: a terminal when {@link System#console()} says so and {@code TERM} is
     * not {@code dumb}; colour there unless {@code NO_COLOR} is set (https://no-color.org).
     */
    public static Terminal detect(boolean quiet, boolean verbose, boolean showSkipped) {
        boolean tty = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        String noColor = System.getenv("NO_COLOR");
        return new Terminal(tty, tty && (noColor == null || noColor.isEmpty()), quiet, verbose, showSkipped);
    }
}
