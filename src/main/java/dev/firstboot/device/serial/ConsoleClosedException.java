package dev.firstboot.device.serial;

/** The serial link ended (unplugged, closed, stopped answering) or the console was closed. */
public final class ConsoleClosedException extends ConsoleException {
    public ConsoleClosedException(String message) {
        super(message);
    }

    public ConsoleClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
