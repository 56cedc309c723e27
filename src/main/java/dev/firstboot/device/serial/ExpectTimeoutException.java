package dev.firstboot.device.serial;

import dev.firstboot.timeline.DeadlinePassed;

/** No console line matched within the deadline. */
public final class ExpectTimeoutException extends ConsoleException implements DeadlinePassed {
    public ExpectTimeoutException(String message) {
        super(message);
    }
}
