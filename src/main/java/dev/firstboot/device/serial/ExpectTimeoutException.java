package dev.firstboot.device.serial;

/** No console line matched within the deadline. */
public final class ExpectTimeoutException extends ConsoleException {
    public ExpectTimeoutException(String message) {
        super(message);
    }
}
