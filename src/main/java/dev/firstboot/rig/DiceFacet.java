package dev.firstboot.rig;

import dev.firstboot.secret.Secret;

import java.nio.file.Path;

/**
 * A device whose X.509 identity is a DICE/RIoT alias certificate derived from a UDS and its firmware image.
 * The paths are inputs the harness judges from; the device's own report is never trusted for that.
 */
public interface DiceFacet {
    void writeUds(Secret uds) throws DeviceException;

    /** Sets the registration id the firmware was built with; {@code automatic()} uses the board's MAC and version. */
    void useRegistrationId(String registrationId) throws DeviceException;

    void useAutomaticRegistrationId() throws DeviceException;

    /** The registration id the harness expects from the inputs (custom, or automatic from MAC and version). */
    String expectedRegistrationId() throws DeviceException;

    Path firmwareBin();

    Path firmwareMap();

    String mac();

    String firmwareVersion();
}
