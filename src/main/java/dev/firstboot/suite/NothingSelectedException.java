package dev.firstboot.suite;

/** The selectors left no scenario to run: exit 3, before the rig starts. */
public final class NothingSelectedException extends Exception {
    public NothingSelectedException(String message) {
        super(message);
    }
}
