package dev.firstboot.rig;

/** A rig that cannot be loaded or started. The message names the file, line and field, and what to do next. */
public class RigException extends Exception {
    public RigException(String message) {
        super(message);
    }

    public RigException(String message, Throwable cause) {
        super(message, cause);
    }
}
