package dev.firstboot.device.serial;

/** A console expectation or write failed. Messages say what was awaited and what was seen, masked. */
public class ConsoleException extends RuntimeException {
    public ConsoleException(String message) {
        super(message);
    }

    public ConsoleException(String message, Throwable cause) {
        super(message, cause);
    }
}
