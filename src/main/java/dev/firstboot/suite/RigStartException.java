package dev.firstboot.suite;

/** The rig file was valid but its parts could not start (a port in use, a missing tool, a board not answering). */
public class RigStartException extends Exception {
    public RigStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
