package dev.firstboot.suite;

import org.opentest4j.TestAbortedException;

/** A scenario that needs something the rig does not have. It is reported apart: never run, never passed. */
public class NotApplicableException extends TestAbortedException {
    public NotApplicableException(String reason) {
        super("not applicable: " + reason);
    }
}
