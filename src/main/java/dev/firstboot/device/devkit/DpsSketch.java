package dev.firstboot.device.devkit;

import java.util.Objects;
import java.util.Optional;

/**
 * The constants compiled into the DPS sample sketch ({@code DPS.ino}) and passed to {@code DevkitDPSClientStart}.
 *
 * @param globalDeviceEndpoint the DPS host, e.g. {@code global.azure-devices-provisioning.net}
 * @param idScope              the DPS ID scope
 * @param registrationId       the sketch's {@code registrationId}; empty (or an empty string) means the firmware
 *                             generates {@code az-<mac>v<x>v<y>v<z>} (§2.3)
 */
public record DpsSketch(String globalDeviceEndpoint, String idScope, Optional<String> registrationId) {
    public static final String GLOBAL_ENDPOINT = "global.azure-devices-provisioning.net";

    public DpsSketch {
        Objects.requireNonNull(globalDeviceEndpoint, "globalDeviceEndpoint");
        Objects.requireNonNull(idScope, "idScope");
        Objects.requireNonNull(registrationId, "registrationId");
    }

    /** The global endpoint, {@code idScope} and an automatic registration id. */
    public static DpsSketch automaticId(String idScope) {
        return new DpsSketch(GLOBAL_ENDPOINT, idScope, Optional.empty());
    }

    public DpsSketch withRegistrationId(String registrationId) {
        return new DpsSketch(globalDeviceEndpoint, idScope, Optional.of(registrationId));
    }
}
