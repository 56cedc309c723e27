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
import java.io.IOException;
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
    private final Listener listener;

    private IotHubEmulator(String name, String host, HubRegistry registry, Listener listener) {
        this.name = name;
        this.host = host;
        this.registry = registry;
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

    /** A hub that devices know by {@code host} (what DPS hands out as assignedHub), e.g. from an emulator config. */
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
        HubRegistry registry = new HubRegistry();
        Listener listener = Listener.bind(bind, boss, workers, ch -> ch.pipeline()
                .addLast("idle", new ReadTimeoutHandler(CONNECT_DEADLINE_SECONDS, TimeUnit.SECONDS))
                .addLast("tls", ServerTls.newHandler(tls, protocols))
                .addLast("handshake", new ServerTls.HandshakeRecorder(name, timeline))
                .addLast("mqtt-decoder", new MqttDecoder(MAX_MESSAGE_BYTES))
                .addLast("mqtt-encoder", MqttEncoder.INSTANCE)
                .addLast("hub", new HubMqttHandler(name, host, registry, timeline, faults)));
        return new IotHubEmulator(name, host, registry, listener);
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

    /** Drops every device and closes every connection. */
    public void reset() {
        listener.closeConnections();
        registry.clear();
    }

    @Override
    public void close() {
        listener.close();
    }
}
