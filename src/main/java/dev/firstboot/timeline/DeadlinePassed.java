package dev.firstboot.timeline;

/**
 * Marks a failure that is a wait running out of time (a console line that did not come before its deadline), so a
 * judge can tell it from a wrong answer without knowing where it came from.
 */
public interface DeadlinePassed {
}
