package dev.firstboot.service.hub;

import dev.firstboot.rig.Backend;
import io.netty.channel.Channel;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** One hub's device identities (X.509 thumbprint or symmetric key) and what each device did. Thread-safe. */
public final class HubRegistry {
    private final Map<String, Entry> devices = new HashMap<>();

    /** Creates the device, or replaces its credential; counters survive a re-registration, as on a real hub. */
    public synchronized void register(String deviceId, DeviceCredential credential) {
        devices.computeIfAbsent(deviceId, id -> new Entry()).credential = credential;
    }

    public synchronized Optional<Backend.HubDeviceState> device(String deviceId) {
        Entry e = devices.get(deviceId);
        return e == null ? Optional.empty()
                : Optional.of(new Backend.HubDeviceState(deviceId, e.connection != null, e.connectCount,
                e.telemetryCount));
    }

    synchronized Optional<DeviceCredential> credential(String deviceId) {
        Entry e = devices.get(deviceId);
        return e == null ? Optional.empty() : Optional.of(e.credential);
    }

    /** Marks the device connected on {@code channel}; returns the connection it replaces, which the caller closes. */
    synchronized Optional<Channel> connected(String deviceId, Channel channel) {
        Entry e = devices.get(deviceId);
        if (e == null) {
            return Optional.empty();
        }
        Channel previous = e.connection;
        e.connection = channel;
        e.connectCount++;
        return Optional.ofNullable(previous);
    }

    synchronized void disconnected(String deviceId, Channel channel) {
        Entry e = devices.get(deviceId);
        if (e != null && e.connection == channel) {
            e.connection = null;
        }
    }

    synchronized void telemetry(String deviceId) {
        Entry e = devices.get(deviceId);
        if (e != null) {
            e.telemetryCount++;
        }
    }

    synchronized void clear() {
        devices.clear();
    }

    private static final class Entry {
        DeviceCredential credential = new DeviceCredential.Thumbprint("");
        Channel connection;
        int connectCount;
        int telemetryCount;
    }
}
