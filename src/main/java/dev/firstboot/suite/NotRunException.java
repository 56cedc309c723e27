package dev.firstboot.suite;

import org.opentest4j.TestAbortedException;

/** A scenario the run chose not to start (after --fail-fast, or because the run was interrupted). */
public class NotRunException extends TestAbortedException {
    public NotRunException(String reason) {
        super("not run: " + reason);
    }
}
