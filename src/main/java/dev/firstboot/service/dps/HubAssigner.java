package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.service.hub.DeviceCredential;

import java.util.List;
import java.util.Optional;

/** How DPS creates a device in the hub it assigns: the hubs, not DPS, own their registries. */
@FunctionalInterface
public interface HubAssigner {
    /**
     * Registers (or updates) {@code deviceId} in hub {@code hubName} with the credential it will connect with.
     *
     * @return the hub's host name, as DPS reports it in {@code assignedHub}
     */
    String assign(String hubName, String deviceId, DeviceCredential credential);

    /** The host name enrollment documents use for a hub (their {@code iotHubs}); the name itself by default. */
    default String hostFor(String hubName) {
        return hubName;
    }

    /** The hub a host name in an enrollment document names; empty when no linked hub has that host. */
    default Optional<String> nameForHost(String host) {
        return Optional.of(host);
    }

    /** The host names of every hub linked to this DPS, for enrollments that list none. */
    default List<String> linkedHosts() {
        return List.of();
    }

    /**
     * Replaces the device's twin with {@code twin}: {@code tags}, {@code properties.desired} and, when migrating,
     * {@code properties.reported}. A hub that keeps no twins ignores it.
     */
    default void applyTwin(String hubName, String deviceId, ObjectNode twin) {
    }

    /** The device's twin in the shape {@link #applyTwin} takes, for a migration; empty when unknown. */
    default Optional<ObjectNode> twin(String hubName, String deviceId) {
        return Optional.empty();
    }
}
