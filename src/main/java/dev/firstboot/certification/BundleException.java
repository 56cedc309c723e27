package dev.firstboot.certification;

/** A bundle cannot be made or does not verify; the message says what and what to do. */
public final class BundleException extends Exception {
    public BundleException(String message) {
        super(message);
    }
}
