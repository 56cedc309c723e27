package dev.firstboot.service;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test device's MQTT connection to a hub: Netty's MQTT codec over TLS, host name checked, deadlines everywhere. */
final class DeviceMqtt implements AutoCloseable {
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private final EventLoopGroup group;
    private final Channel channel;
    private final BlockingQueue<MqttMessage> inbox;

    private DeviceMqtt(EventLoopGroup group, Channel channel, BlockingQueue<MqttMessage> inbox) {
        this.group = group;
        this.channel = channel;
        this.inbox = inbox;
    }

    static DeviceMqtt open(X509Certificate trustAnchor, Optional<KeyMaterial> identity, String hubHost,
                           InetSocketAddress address) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("test-mqtt", true),
                NioIoHandler.newFactory());
        BlockingQueue<MqttMessage> inbox = new LinkedBlockingQueue<>();
        SSLEngine engine = TestPki.clientContextTrusting(trustAnchor, identity)
                .createSSLEngine(hubHost, address.getPort());
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(List.of(new SNIHostName(hubHost)));
        engine.setSSLParameters(p);
        SslHandler tls = new SslHandler(engine);
        try {
            ChannelFuture connected = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(tls, new MqttDecoder(), MqttEncoder.INSTANCE,
                                    new SimpleChannelInboundHandler<MqttMessage>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
                                            inbox.add(ReferenceCountUtil.retain(msg));
                                        }
                                    });
                        }
                    }).connect(address);
            if (!connected.await(DEADLINE.toMillis()) || !connected.isSuccess()) {
                throw new IllegalStateException("no TCP connection to " + address, connected.cause());
            }
            var handshake = tls.handshakeFuture();
            if (!handshake.await(DEADLINE.toMillis()) || !handshake.isSuccess()) {
                throw new IllegalStateException("no TLS to " + hubHost, handshake.cause());
            }
            return new DeviceMqtt(group, connected.channel(), inbox);
        } catch (Exception | Error e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Sends CONNECT and returns the CONNACK return code. */
    int connect(String clientId, String username) throws InterruptedException {
        return connect(clientId, username, MqttVersion.MQTT_3_1_1);
    }

    int connect(String clientId, String username, MqttVersion version) throws InterruptedException {
        channel.writeAndFlush(MqttMessageBuilders.connect().clientId(clientId).username(username)
                .protocolVersion(version).cleanSession(true).keepAlive(60).build());
        MqttMessage ack = next(MqttMessageType.CONNACK);
        return ((MqttConnAckMessage) ack).variableHeader().connectReturnCode().byteValue();
    }

    /** Sends CONNECT with a password (a SAS for DPS) and returns the CONNACK return code. */
    int connect(String clientId, String username, byte[] password) throws InterruptedException {
        channel.writeAndFlush(MqttMessageBuilders.connect().clientId(clientId).username(username).password(password)
                .protocolVersion(MqttVersion.MQTT_3_1_1).cleanSession(true).keepAlive(60).build());
        MqttMessage ack = next(MqttMessageType.CONNACK);
        return ((MqttConnAckMessage) ack).variableHeader().connectReturnCode().byteValue();
    }

    /** A PUBLISH the server sent: topic exactly as on the wire, QoS, payload as UTF-8. */
    record Received(String topic, int qos, String payload) {
    }

    /** The next message, which must be a PUBLISH from the server. */
    Received nextPublish() throws InterruptedException {
        MqttPublishMessage m = (MqttPublishMessage) next(MqttMessageType.PUBLISH);
        try {
            return new Received(m.variableHeader().topicName(), m.fixedHeader().qosLevel().value(),
                    m.payload().toString(StandardCharsets.UTF_8));
        } finally {
            m.release();
        }
    }

    void publishQos0(String topic, String payload) {
        channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_MOST_ONCE)
                .retained(false).payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
    }

    /** Publishes at QoS 1 and returns the PUBACK's packet id. */
    int publishQos1(String topic, String payload, int packetId) throws InterruptedException {
        channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE)
                .messageId(packetId).retained(false)
                .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
        MqttMessage ack = next(MqttMessageType.PUBACK);
        return ((io.netty.handler.codec.mqtt.MqttPubAckMessage) ack).variableHeader().messageId();
    }

    void publishQos1NoWait(String topic, String payload, int packetId) {
        channel.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE)
                .messageId(packetId).retained(false)
                .payload(Unpooled.copiedBuffer(payload, StandardCharsets.UTF_8)).build());
    }

    /** The device's PUBACK for a QoS 1 PUBLISH from the hub. */
    void pubAck(int packetId) {
        channel.writeAndFlush(MqttMessageBuilders.pubAck().packetId(packetId).build());
    }

    /** The next PUBLISH from the hub with its packet id (0 for QoS 0). */
    record ReceivedWithId(Received message, int packetId) {
    }

    ReceivedWithId nextPublishWithId() throws InterruptedException {
        MqttPublishMessage m = (MqttPublishMessage) next(MqttMessageType.PUBLISH);
        try {
            return new ReceivedWithId(new Received(m.variableHeader().topicName(), m.fixedHeader().qosLevel().value(),
                    m.payload().toString(StandardCharsets.UTF_8)), m.variableHeader().packetId());
        } finally {
            m.release();
        }
    }

    /** True when nothing arrives from the hub within {@code quiet}. */
    boolean nothingWithin(Duration quiet) throws InterruptedException {
        MqttMessage m = inbox.poll(quiet.toMillis(), TimeUnit.MILLISECONDS);
        if (m != null) {
            ReferenceCountUtil.release(m);
        }
        return m == null;
    }

    void ping() throws InterruptedException {
        channel.writeAndFlush(new MqttMessage(
                new MqttFixedHeader(MqttMessageType.PINGREQ, false, MqttQoS.AT_MOST_ONCE, false, 0)));
        next(MqttMessageType.PINGRESP);
    }

    MqttMessage subscribe(int packetId, String topicFilter, MqttQoS qos) throws InterruptedException {
        channel.writeAndFlush(MqttMessageBuilders.subscribe().messageId(packetId).addSubscription(qos, topicFilter)
                .build());
        return next(MqttMessageType.SUBACK);
    }

    void disconnect() {
        channel.writeAndFlush(new MqttMessage(
                new MqttFixedHeader(MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0)));
    }

    /** True when the hub closes the connection within the deadline. */
    boolean closedByHub() throws InterruptedException {
        return channel.closeFuture().await(DEADLINE.toMillis());
    }

    private MqttMessage next(MqttMessageType type) throws InterruptedException {
        MqttMessage m = inbox.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        if (m == null) {
            throw new AssertionError("no " + type + " from the hub within " + DEADLINE.toSeconds() + " s"
                    + (channel.isActive() ? "" : " (the hub closed the connection)"));
        }
        if (m.fixedHeader().messageType() != type) {
            throw new AssertionError("expected " + type + ", got " + m.fixedHeader().messageType());
        }
        return m;
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(DEADLINE.toMillis());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(DEADLINE.toMillis());
    }
}
