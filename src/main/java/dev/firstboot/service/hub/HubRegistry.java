package dev.firstboot.service.hub;

import dev.firstboot.rig.Backend;
import io.netty.channel.Channel;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.Optional;

/** One hub's device identities (X.509 thumbprint or symmetric key) and what each device did. Thread-safe. */
public final class HubRegistry {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final int MAX_PACKET_ID = 65535;
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

    /** The device as the hub's registry API shows it. */
    public synchronized Optional<Backend.HubRegistryDevice> registryDevice(String deviceId) {
        Entry e = devices.get(deviceId);
        return e == null ? Optional.empty()
                : Optional.of(new Backend.HubRegistryDevice(deviceId, e.connection != null
                ? Backend.HubRegistryDevice.CONNECTED : Backend.HubRegistryDevice.DISCONNECTED,
                Optional.ofNullable(e.connectionStateUpdated), Optional.ofNullable(e.lastActivity),
                e.connectCount > 0));
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
        e.connectionStateUpdated = java.time.Instant.now();
        e.lastActivity = e.connectionStateUpdated;
        e.c2dSubscribed = false;
        e.methodsSubscribed = false;
        requeueInFlight(e);
        return Optional.ofNullable(previous);
    }

    synchronized void disconnected(String deviceId, Channel channel) {
        Entry e = devices.get(deviceId);
        if (e != null && e.connection == channel) {
            e.connection = null;
            e.connectionStateUpdated = java.time.Instant.now();
            e.c2dSubscribed = false;
            e.methodsSubscribed = false;
            requeueInFlight(e);
        }
    }

    /** Unacknowledged cloud-to-device messages go back to the head of the queue, for the next connection. */
    private static void requeueInFlight(Entry e) {
        List<PendingC2d> unacked = new ArrayList<>(e.inFlight.values());
        e.inFlight.clear();
        for (int i = unacked.size() - 1; i >= 0; i--) {
            e.queued.addFirst(unacked.get(i));
        }
    }

    /**
     * The device's subscriptions on {@code channel}: C2D and methods. Called before the SUBACK goes out, so a caller
     * that saw the SUBACK finds the device subscribed; queued messages wait for {@link #flushCloudToDevice}.
     */
    synchronized void subscribed(String deviceId, Channel channel, boolean c2d, boolean methods) {
        Entry e = devices.get(deviceId);
        if (e == null || e.connection != channel) {
            return;
        }
        e.c2dSubscribed |= c2d;
        e.methodsSubscribed |= methods;
    }

    /** Publishes the device's queued cloud-to-device messages, if it is connected on {@code channel} and subscribed. */
    synchronized void flushCloudToDevice(String deviceId, Channel channel) {
        Entry e = devices.get(deviceId);
        if (e != null && e.connection == channel) {
            flush(deviceId, e);
        }
    }

    /** Queues a cloud-to-device message; it is published (QoS 1) as soon as the device is subscribed. */
    synchronized CompletableFuture<C2dDelivery> cloudToDevice(String deviceId, String messageId, String topic,
                                                              byte[] payload) {
        Entry e = devices.get(deviceId);
        if (e == null) {
            return CompletableFuture.completedFuture(new C2dDelivery.Undelivered(messageId,
                    "no device '" + deviceId + "' in this hub; provision it through DPS first"));
        }
        PendingC2d message = new PendingC2d(messageId, topic, payload.clone(), new CompletableFuture<>());
        e.queued.addLast(message);
        flush(deviceId, e);
        return message.done();
    }

    private void flush(String deviceId, Entry e) {
        if (e.connection == null || !e.c2dSubscribed) {
            return;
        }
        while (!e.queued.isEmpty()) {
            PendingC2d message = e.queued.removeFirst();
            int packetId = e.nextPacketId;
            e.nextPacketId = packetId == MAX_PACKET_ID ? 1 : packetId + 1;
            e.inFlight.put(packetId, message);
            e.connection.writeAndFlush(MqttMessageBuilders.publish().topicName(message.topic())
                    .qos(MqttQoS.AT_LEAST_ONCE).messageId(packetId).retained(false)
                    .payload(Unpooled.wrappedBuffer(message.payload().clone())).build())
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    /** The device's PUBACK for a C2D message on {@code channel}. */
    synchronized void cloudToDeviceAcked(String deviceId, Channel channel, int packetId) {
        Entry e = devices.get(deviceId);
        if (e == null || e.connection != channel) {
            return;
        }
        PendingC2d message = e.inFlight.remove(packetId);
        if (message != null) {
            message.done().complete(new C2dDelivery.Acknowledged(message.messageId()));
        }
    }

    /** The channel a direct method goes to: the device is connected and subscribed to methods. */
    synchronized Optional<Channel> methodTarget(String deviceId) {
        Entry e = devices.get(deviceId);
        return e == null || e.connection == null || !e.methodsSubscribed ? Optional.empty()
                : Optional.of(e.connection);
    }

    /** Why {@link #methodTarget} is empty, for the caller's error. */
    synchronized String offlineReason(String deviceId) {
        Entry e = devices.get(deviceId);
        if (e == null) {
            return "no device '" + deviceId + "' in this hub; provision it through DPS first";
        }
        if (e.connection == null) {
            return "device '" + deviceId + "' is not connected (IoT Hub answers 404 DeviceNotOnline)";
        }
        return "device '" + deviceId + "' has not subscribed to $iothub/methods/POST/# (IoT Hub answers 404)";
    }

    synchronized void telemetry(String deviceId) {
        Entry e = devices.get(deviceId);
        if (e != null) {
            e.telemetryCount++;
            e.lastActivity = java.time.Instant.now();
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

    synchronized void clear(String reason) {
        devices.values().forEach(e -> {
            e.queued.forEach(m -> m.done().complete(new C2dDelivery.Undelivered(m.messageId(), reason)));
            e.inFlight.values().forEach(m -> m.done().complete(new C2dDelivery.Undelivered(m.messageId(), reason)));
        });
        devices.clear();
    }

    private record PendingC2d(String messageId, String topic, byte[] payload,
                              CompletableFuture<C2dDelivery> done) {
    }

    private static final class Entry {
        DeviceCredential credential = new DeviceCredential.Thumbprint("");
        Channel connection;
        int connectCount;
        int telemetryCount;
        java.time.Instant connectionStateUpdated;
        java.time.Instant lastActivity;
        final com.fasterxml.jackson.databind.node.ObjectNode reported = JSON.createObjectNode();
        long reportedVersion = 1;
        final com.fasterxml.jackson.databind.node.ObjectNode tags = JSON.createObjectNode();
        final com.fasterxml.jackson.databind.node.ObjectNode desired = JSON.createObjectNode();
        long desiredVersion = 1;
        boolean c2dSubscribed;
        boolean methodsSubscribed;
        final Deque<PendingC2d> queued = new ArrayDeque<>();
        final Map<Integer, PendingC2d> inFlight = new LinkedHashMap<>();
        int nextPacketId = 1;
    }
}
