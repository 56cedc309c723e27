package dev.firstboot.rig;

/** The device could not do what the harness asked (not a verdict about the device's conformance). */
public class DeviceException extends Exception {
    public DeviceException(String message) {
        super(message);
    }

    public DeviceException(String message, Throwable cause) {
        super(message, cause);
    }
}
