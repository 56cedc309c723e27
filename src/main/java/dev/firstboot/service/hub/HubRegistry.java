package dev.firstboot.service.hub;

import dev.firstboot.rig.Backend;
import io.netty.channel.Channel;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** One hub's device identities (X.509 thumbprint or symmetric key) and what each device did. Thread-safe. */
public final class HubRegistry {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
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

    /** The device's twin document, as a twin GET returns it: desired (empty here) and reported, with versions. */
    synchronized String twin(String deviceId) {
        Entry e = devices.get(deviceId);
        com.fasterxml.jackson.databind.node.ObjectNode doc = JSON.createObjectNode();
        doc.putObject("desired").put("$version", 1);
        com.fasterxml.jackson.databind.node.ObjectNode reported = doc.putObject("reported");
        if (e != null) {
            e.reported.fields().forEachRemaining(f -> reported.set(f.getKey(), f.getValue()));
        }
        reported.put("$version", e == null ? 1 : e.reportedVersion);
        return doc.toString();
    }

    /** Merges a reported-properties patch (a JSON object; null values remove); the new version, or empty if not JSON. */
    synchronized java.util.OptionalLong patchReported(String deviceId, String json) {
        Entry e = devices.get(deviceId);
        if (e == null) {
            return java.util.OptionalLong.empty();
        }
        com.fasterxml.jackson.databind.JsonNode patch;
        try {
            patch = JSON.readTree(json);
        } catch (java.io.IOException ex) {
            return java.util.OptionalLong.empty();
        }
        if (patch == null || !patch.isObject()) {
            return java.util.OptionalLong.empty();
        }
        patch.fields().forEachRemaining(f -> {
            if (f.getValue().isNull()) {
                e.reported.remove(f.getKey());
            } else {
                e.reported.set(f.getKey(), f.getValue());
            }
        });
        e.reportedVersion++;
        return java.util.OptionalLong.of(e.reportedVersion);
    }

    synchronized void clear() {
        devices.clear();
    }

    private static final class Entry {
        DeviceCredential credential = new DeviceCredential.Thumbprint("");
        Channel connection;
        int connectCount;
        int telemetryCount;
        final com.fasterxml.jackson.databind.node.ObjectNode reported = JSON.createObjectNode();
        long reportedVersion = 1;
    }
}
