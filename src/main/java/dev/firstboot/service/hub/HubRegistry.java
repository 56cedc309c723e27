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

    /**
     * Replaces the device's twin from DPS (an enrollment's initialTwin, or the twin migrated from another hub):
     * {@code tags}, {@code properties.desired} and, when present, {@code properties.reported}.
     */
    public synchronized void applyTwin(String deviceId, com.fasterxml.jackson.databind.node.ObjectNode twin) {
        Entry e = devices.get(deviceId);
        if (e == null) {
            return;
        }
        e.tags.removeAll();
        e.desired.removeAll();
        com.fasterxml.jackson.databind.JsonNode tags = twin.path("tags");
        if (tags.isObject()) {
            e.tags.setAll((com.fasterxml.jackson.databind.node.ObjectNode) tags);
        }
        com.fasterxml.jackson.databind.JsonNode desired = twin.path("properties").path("desired");
        if (desired.isObject()) {
            desired.fields().forEachRemaining(f -> {
                if (!f.getKey().startsWith("$")) {
                    e.desired.set(f.getKey(), f.getValue());
                }
            });
        }
        e.desiredVersion++;
        com.fasterxml.jackson.databind.JsonNode reported = twin.path("properties").path("reported");
        if (reported.isObject()) {
            e.reported.removeAll();
            reported.fields().forEachRemaining(f -> {
                if (!f.getKey().startsWith("$")) {
                    e.reported.set(f.getKey(), f.getValue());
                }
            });
            e.reportedVersion++;
        }
    }

    /** The device's tags and properties (desired and reported), as {@link #applyTwin} takes them; empty if unknown. */
    public synchronized Optional<com.fasterxml.jackson.databind.node.ObjectNode> twinData(String deviceId) {
        Entry e = devices.get(deviceId);
        if (e == null) {
            return Optional.empty();
        }
        com.fasterxml.jackson.databind.node.ObjectNode doc = JSON.createObjectNode();
        doc.set("tags", e.tags.deepCopy());
        com.fasterxml.jackson.databind.node.ObjectNode properties = doc.putObject("properties");
        properties.set("desired", e.desired.deepCopy());
        properties.set("reported", e.reported.deepCopy());
        return Optional.of(doc);
    }

    /** The device's twin document, as a twin GET returns it: desired and reported, with versions. */
    synchronized String twin(String deviceId) {
        Entry e = devices.get(deviceId);
        com.fasterxml.jackson.databind.node.ObjectNode doc = JSON.createObjectNode();
        com.fasterxml.jackson.databind.node.ObjectNode desired = doc.putObject("desired");
        if (e != null) {
            e.desired.fields().forEachRemaining(f -> desired.set(f.getKey(), f.getValue()));
        }
        desired.put("$version", e == null ? 1 : e.desiredVersion);
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
        final com.fasterxml.jackson.databind.node.ObjectNode tags = JSON.createObjectNode();
        final com.fasterxml.jackson.databind.node.ObjectNode desired = JSON.createObjectNode();
        long desiredVersion = 1;
    }
}
