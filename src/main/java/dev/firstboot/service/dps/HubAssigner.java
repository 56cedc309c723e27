package dev.firstboot.service.dps;

import dev.firstboot.service.hub.DeviceCredential;

/** How DPS creates a device in the hub it assigns: the hubs, not DPS, own their registries. */
@FunctionalInterface
public interface HubAssigner {
    /**
     * Registers (or updates) {@code deviceId} in hub {@code hubName} with the credential it will connect with.
     *
     * @return the hub's host name, as DPS reports it in {@code assignedHub}
     */
    String assign(String hubName, String deviceId, DeviceCredential credential);
}
