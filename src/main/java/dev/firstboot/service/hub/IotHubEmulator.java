package dev.firstboot.service.hub;

import dev.firstboot.rig.Backend;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.net.Listener;
import dev.firstboot.service.net.ServerTls;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;

import javax.net.ssl.SSLContext;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttQoS;

import dev.firstboot.service.net.FirstMessageDeadline;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One emulated IoT Hub: MQTT 3.1.1 over TLS on its own port, with X.509 (self-signed thumbprint) device identities
 * that DPS creates on assignment.
 */
public final class IotHubEmulator implements AutoCloseable {
    /** Hub names as rig files and features write them. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9-]{1,50}");
    /** Telemetry messages up to IoT Hub's 256 KB, plus room for topic and headers. */
    private static final int MAX_MESSAGE_BYTES = 256 * 1024 + 4096;
    /** A client has this long to finish TLS and send CONNECT. */
    private static final long CONNECT_DEADLINE_SECONDS = 30;

    private final String name;
    private final String host;
    private final HubRegistry registry;
    private final MethodCalls methods;
    private final Listener listener;

    private IotHubEmulator(String name, String host, HubRegistry registry, MethodCalls methods, Listener listener) {
        this.name = name;
        this.host = host;
        this.registry = registry;
        this.methods = methods;
        this.listener = listener;
    }

    /** The host name devices are given for a hub: {@code hub-a} is {@code hub-a.localhost}. */
    public static String hostFor(String hubName) {
        return hubName + ".localhost";
    }

    public static IotHubEmulator start(String name, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return start(name, hostFor(name), tls, protocols, bind, boss, workers, timeline, FaultPlan.none());
    }

    /** As above, refusing connections while {@code faults} says the hub is unavailable. */
    public static IotHubEmulator start(String name, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline,
                                       FaultPlan faults) throws IOException {
        return start(name, hostFor(name), tls, protocols, bind, boss, workers, timeline, faults);
    }

    /**
     * A hub whose devices are given {@code host} (an IP literal works too): DPS assigns it, devices put it in their
     * MQTT user name and SAS, and the server certificate must name it.
     */
    public static IotHubEmulator start(String name, String host, SSLContext tls, String[] protocols,
                                       InetSocketAddress bind, EventLoopGroup boss, EventLoopGroup workers,
                                       TimelineSink timeline) throws IOException {
        return start(name, host, tls, protocols, bind, boss, workers, timeline, FaultPlan.none());
    }

    /** A hub known by {@code host}, refusing connections while {@code faults} says it is unavailable. */
    public static IotHubEmulator start(String name, String host, SSLContext tls, String[] protocols,
                                       InetSocketAddress bind, EventLoopGroup boss, EventLoopGroup workers,
                                       TimelineSink timeline, FaultPlan faults) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a hub name is 1 to 50 of a-z, 0-9 and '-', got \"" + name + "\"");
        }
        if (host == null || host.isBlank() || host.contains("/")) {
            throw new IllegalArgumentException("hub '" + name + "' needs a host name or IP address without '/', got \""
                    + host + "\"");
        }
        HubRegistry registry = new HubRegistry();
        MethodCalls methods = new MethodCalls();
        Listener listener = Listener.bind(bind, boss, workers, ch -> ch.pipeline()
                .addLast("idle", new ReadTimeoutHandler(CONNECT_DEADLINE_SECONDS, TimeUnit.SECONDS))
                .addLast("tls", ServerTls.newHandler(tls, protocols))
                .addLast("handshake", new ServerTls.HandshakeRecorder(name, timeline))
                .addLast("mqtt-decoder", new MqttDecoder(MAX_MESSAGE_BYTES))
                .addLast("mqtt-encoder", MqttEncoder.INSTANCE)
                .addLast("connect-deadline", new FirstMessageDeadline(Duration.ofSeconds(CONNECT_DEADLINE_SECONDS)))
                .addLast("hub", new HubMqttHandler(name, host, registry, methods, timeline, faults)));
        return new IotHubEmulator(name, host, registry, methods, listener);
    }

    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    public InetSocketAddress address() {
        return listener.address();
    }

    /** Called by DPS on assignment. */
    public void register(String deviceId, DeviceCredential credential) {
        registry.register(deviceId, credential);
    }

    /** Called by DPS on assignment: the enrollment's initialTwin, or the twin migrated from the previous hub. */
    public void applyTwin(String deviceId, com.fasterxml.jackson.databind.node.ObjectNode twin) {
        registry.applyTwin(deviceId, twin);
    }

    /** The device's tags and properties, for DPS to migrate; empty if the device is unknown here. */
    public Optional<com.fasterxml.jackson.databind.node.ObjectNode> twinData(String deviceId) {
        return registry.twinData(deviceId);
    }

    public Optional<Backend.HubDeviceState> device(String deviceId) {
        return registry.device(deviceId);
    }

    public Optional<Backend.HubRegistryDevice> registryDevice(String deviceId) {
        return registry.registryDevice(deviceId);
    }

    /**
     * Sends a cloud-to-device message: PUBLISH QoS 1 on {@code devices/{id}/messages/devicebound/{properties}}, with
     * {@code $.mid}, {@code $.to} and the given application properties URL-encoded in the topic, as IoT Hub does.
     * The message waits in the device's queue until the device is connected and subscribed, and goes out again if
     * the device disconnects before its PUBACK. The future completes on PUBACK, or when the hub gives the message up.
     */
    public CompletableFuture<C2dDelivery> sendCloudToDevice(String deviceId, byte[] payload,
                                                           Map<String, String> properties) {
        String messageId = UUID.randomUUID().toString();
        StringBuilder topic = new StringBuilder("devices/").append(deviceId).append("/messages/devicebound/");
        topic.append(encode("$.mid")).append('=').append(encode(messageId));
        topic.append('&').append(encode("$.to")).append('=')
                .append(encode("/devices/" + deviceId + "/messages/deviceBound"));
        properties.forEach((k, v) -> topic.append('&').append(encode(k)).append('=').append(encode(v)));
        return registry.cloudToDevice(deviceId, messageId, topic.toString(), payload);
    }

    /**
     * Invokes direct method {@code methodName}: PUBLISH QoS 0 on {@code $iothub/methods/POST/{name}/?$rid={rid}} and
     * waits at most {@code timeout} for the device's {@code $iothub/methods/res/{status}/?$rid={rid}}. A device that
     * is not connected or not subscribed to methods is offline at once, as IoT Hub answers 404.
     */
    public MethodOutcome invokeMethod(String deviceId, String methodName, String payload, Duration timeout)
            throws InterruptedException {
        if (methodName == null || methodName.isEmpty() || methodName.contains("/") || methodName.contains("#")
                || methodName.contains("+")) {
            throw new IllegalArgumentException("a method name is non-empty without '/', '#' or '+', got \""
                    + methodName + "\"");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a method timeout must be positive, like 30 s; got " + timeout);
        }
        Optional<Channel> target = registry.methodTarget(deviceId);
        if (target.isEmpty()) {
            return new MethodOutcome.DeviceOffline(registry.offlineReason(deviceId));
        }
        CompletableFuture<MethodOutcome> outcome = new CompletableFuture<>();
        String rid = methods.open(deviceId, target.get(), outcome);
        try {
            target.get().writeAndFlush(MqttMessageBuilders.publish()
                    .topicName("$iothub/methods/POST/" + methodName + "/?$rid=" + rid).qos(MqttQoS.AT_MOST_ONCE)
                    .retained(false).payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
            if (!target.get().isActive()) {
                methods.disconnected(target.get());
            }
            return outcome.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new MethodOutcome.TimedOut(timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException("method call " + methodName + " failed inside the hub", e.getCause());
        } finally {
            methods.forget(rid);
        }
    }

    /** URL-encoding with spaces as %20: a '+' would be an MQTT wildcard, which no topic name may carry. */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Drops every device and closes every connection. */
    public void reset() {
        listener.closeConnections();
        methods.clear("the hub was reset");
        registry.clear("the hub was reset");
    }

    @Override
    public void close() {
        listener.close();
        methods.clear("the hub closed");
        registry.clear("the hub closed");
    }
}
