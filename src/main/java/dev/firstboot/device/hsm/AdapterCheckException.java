package dev.firstboot.device.hsm;

/** The adapter answered, but not as hsm_client_data.h requires; the message says what was expected and seen. */
public final class AdapterCheckException extends Exception {
    public AdapterCheckException(String message) {
        super(message);
    }
}
