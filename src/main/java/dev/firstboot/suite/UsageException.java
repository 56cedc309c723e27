package dev.firstboot.suite;

/** The user asked for something that cannot be run; the message says what to change. */
public class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
