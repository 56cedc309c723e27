package dev.firstboot.identity;

/**
 * A device identity could not be derived or encoded from the given inputs (a malformed UDS, a map that lacks a
 * section, a registration id no certificate can hold). The message names the input and what was wrong with it; it
 * never contains the UDS or any key.
 */
public class IdentityException extends Exception {
    public IdentityException(String message) {
        super(message);
    }
}
