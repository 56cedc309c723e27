package dev.firstboot.service.hub;

import dev.firstboot.identity.tpm.SasTokens;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;

import dev.firstboot.pki.Certificates;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.net.MqttHousekeeping;
import dev.firstboot.service.net.ServerTls;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.timeout.ReadTimeoutHandler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One device connection to an emulated hub: CONNECT checks (protocol, client id, user name, certificate), telemetry,
 * subscriptions and keep-alive. Anything the hub does not expect closes the connection; nothing reaches the server.
 */
final class HubMqttHandler extends SimpleChannelInboundHandler<MqttMessage> {
    private static final String METHOD_RESPONSE = "$iothub/methods/res/";
    private static final java.util.regex.Pattern METHOD_RESULT = java.util.regex.Pattern.compile(
            "\\$iothub/methods/res/(\\d{1,3})/\\?\\$rid=([^&]*)");
    private static final String METHODS_FILTER = "$iothub/methods/POST/#";
    private static final java.util.regex.Pattern TWIN_GET = java.util.regex.Pattern.compile(
            "\\$iothub/twin/GET/\\?\\$rid=([^&]*)");
    private static final java.util.regex.Pattern TWIN_PATCH = java.util.regex.Pattern.compile(
            "\\$iothub/twin/PATCH/properties/reported/\\?\\$rid=([^&]*)");

    private static final int MQTT_3_1_1 = 4;
    /** Keep-alive 0 means "no keep-alive"; the hub still drops a connection silent for this long. */
    private static final long MAX_IDLE_SECONDS = 3600;

    private final String hubName;
    private final String hubHost;
    private final HubRegistry registry;
    private final MethodCalls methods;
    private final TimelineSink timeline;
    private final FaultPlan faults;
    private Optional<String> clientId = Optional.empty();
    private boolean accepted;

    HubMqttHandler(String hubName, String hubHost, HubRegistry registry, MethodCalls methods, TimelineSink timeline,
                   FaultPlan faults) {
        this.hubName = hubName;
        this.hubHost = hubHost;
        this.registry = registry;
        this.methods = methods;
        this.timeline = timeline;
        this.faults = faults;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
        if (msg.decoderResult().isFailure()) {
            malformed(ctx, msg);
            return;
        }
        MqttMessageType type = msg.fixedHeader().messageType();
        if (!accepted) {
            if (type == MqttMessageType.CONNECT && clientId.isEmpty()) {
                connect(ctx, (MqttConnectMessage) msg);
            } else {
                ctx.close();
            }
            return;
        }
        if (type == MqttMessageType.PUBACK) {
            registry.cloudToDeviceAcked(clientId.orElseThrow(), ctx.channel(),
                    ((io.netty.handler.codec.mqtt.MqttPubAckMessage) msg).variableHeader().messageId());
            return;
        }
        if (MqttHousekeeping.handle(ctx, msg)) {
            return;
        }
        switch (type) {
            case PUBLISH -> publish(ctx, (MqttPublishMessage) msg);
            case SUBSCRIBE -> subscribe(ctx, (MqttSubscribeMessage) msg);
            default -> ctx.close();
        }
    }

    private void malformed(ChannelHandlerContext ctx, MqttMessage msg) {
        Throwable cause = msg.decoderResult().cause();
        if (!accepted && clientId.isEmpty() && msg.fixedHeader() != null
                && msg.fixedHeader().messageType() == MqttMessageType.CONNECT) {
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
                return;
            }
            if (cause instanceof MqttIdentifierRejectedException) {
                refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
                return;
            }
        }
        ctx.close();
    }

    private void connect(ChannelHandlerContext ctx, MqttConnectMessage connect) {
        String id = connect.payload().clientIdentifier() == null ? "" : connect.payload().clientIdentifier();
        String username = connect.payload().userName() == null ? "" : connect.payload().userName();
        clientId = Optional.of(id);
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("hub", hubName);
        attrs.put("clientId", id);
        attrs.put("username", username);
        timeline.record(Origin.SERVICE, EventKind.HUB_CONNECT, id, attrs);
        if (connect.payload().passwordInBytes() != null) {
            timeline.sasTokenSeen(new String(connect.payload().passwordInBytes(), StandardCharsets.UTF_8));
        }

        if (connect.variableHeader().version() != MQTT_3_1_1) {
            refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
            return;
        }
        if (faults.hubRefuses(hubName, id)) {
            refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE);
            return;
        }
        Optional<DeviceCredential> registered = registry.credential(id);
        if (registered.isEmpty()) {
            refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
            return;
        }
        if (!username.startsWith(hubHost + "/" + id + "/?")) {
            refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        if (!authenticated(ctx, id, registered.get(), connect)) {
            refuse(ctx, MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        accepted = true;
        // On the timeline before the registry shows the connection: a judge that saw the registry finds the CONNACK.
        recordConnack(MqttConnectReturnCode.CONNECTION_ACCEPTED);
        registry.connected(id, ctx.channel()).ifPresent(previous -> previous.close());
        int keepAlive = connect.variableHeader().keepAliveTimeSeconds();
        long idle = keepAlive == 0 ? MAX_IDLE_SECONDS : Math.min(MAX_IDLE_SECONDS, (keepAlive * 3L + 1) / 2);
        ctx.pipeline().replace("idle", "idle", new ReadTimeoutHandler(idle, TimeUnit.SECONDS));
        sendConnack(ctx, MqttConnectReturnCode.CONNECTION_ACCEPTED);
    }

    /** The certificate for an X.509 device; for a key, a SAS over {@code {hub}/devices/{id}} signed with it. */
    private boolean authenticated(ChannelHandlerContext ctx, String id, DeviceCredential credential,
                                  MqttConnectMessage connect) {
        if (credential instanceof DeviceCredential.Thumbprint thumbprint) {
            List<byte[]> chain = ServerTls.peerChain(ctx.channel());
            return !chain.isEmpty() && Certificates.sha256Thumbprint(chain.get(0)).equals(thumbprint.sha256());
        }
        DeviceCredential.SymmetricKey key = (DeviceCredential.SymmetricKey) credential;
        byte[] password = connect.payload().passwordInBytes();
        if (password == null) {
            return false;
        }
        SasTokens.Verdict verdict = SasTokens.verify(new String(password, StandardCharsets.UTF_8),
                hubHost + "/devices/" + id, key.key(), Set.of(""), Instant.now());
        if (verdict instanceof SasTokens.Rejected rejected) {
            timeline.record(Origin.SERVICE, EventKind.HARNESS_NOTE, id, Map.of("hub", hubName,
                    "refused", "SAS: " + rejected.reason()));
            return false;
        }
        return true;
    }

    private void publish(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        String id = clientId.orElseThrow();
        String topic = publish.variableHeader().topicName();
        MqttQoS qos = publish.fixedHeader().qosLevel();
        String telemetry = "devices/" + id + "/messages/events/";
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("hub", hubName);
        attrs.put("topic", topic);
        attrs.put("qos", Integer.toString(qos.value()));
        attrs.put("bytes", Integer.toString(publish.payload().readableBytes()));
        timeline.record(Origin.SERVICE, EventKind.HUB_PUBLISH, id, attrs);
        if (qos == MqttQoS.EXACTLY_ONCE) {
            ctx.close();
            return;
        }
        boolean isTelemetry = topic.startsWith(telemetry);
        if (!isTelemetry && !topic.startsWith(METHOD_RESPONSE) && !TWIN_GET.matcher(topic).matches()
                && !TWIN_PATCH.matcher(topic).matches()) {
            ctx.close();
            return;
        }
        // Telemetry is counted before its PUBACK (a sender that saw the PUBACK finds it counted); twin responses
        // go out after the PUBACK of their request, as IoT Hub's do.
        if (isTelemetry) {
            registry.telemetry(id);
        }
        if (qos == MqttQoS.AT_LEAST_ONCE) {
            MqttMessage ack = MqttMessageBuilders.pubAck().packetId(publish.variableHeader().packetId()).build();
            ctx.executor().schedule(() -> ctx.writeAndFlush(ack), faults.serviceLatency().toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        if (!isTelemetry) {
            twin(ctx, id, topic, publish);
        }
    }

    /**
     * The twin and method topics SDK samples use (dps.md §5.2): a twin GET gets the device's twin, a reported
     * PATCH gets 204 with the new version, a method response is taken. False for any other topic.
     */
    private boolean twin(ChannelHandlerContext ctx, String id, String topic, MqttPublishMessage publish) {
        if (topic.startsWith(METHOD_RESPONSE)) {
            java.util.regex.Matcher result = METHOD_RESULT.matcher(topic);
            if (result.matches()) {
                methods.answer(id, result.group(2), Integer.parseInt(result.group(1)),
                        publish.payload().toString(StandardCharsets.UTF_8));
            }
            return true;
        }
        java.util.regex.Matcher get = TWIN_GET.matcher(topic);
        java.util.regex.Matcher patch = TWIN_PATCH.matcher(topic);
        if (get.matches()) {
            respond(ctx, "$iothub/twin/res/200/?$rid=" + get.group(1), registry.twin(id));
            return true;
        }
        if (patch.matches()) {
            String body = publish.payload().toString(StandardCharsets.UTF_8);
            java.util.OptionalLong version = registry.patchReported(id, body);
            if (version.isEmpty()) {
                respond(ctx, "$iothub/twin/res/400/?$rid=" + patch.group(1), "");
            } else {
                respond(ctx, "$iothub/twin/res/204/?$rid=" + patch.group(1) + "&$version=" + version.getAsLong(), "");
            }
            return true;
        }
        return false;
    }

    /** A twin response follows its request's PUBACK, one service round trip later (ServiceLatency). */
    private void respond(ChannelHandlerContext ctx, String topic, String body) {
        long after = faults.serviceLatency().multipliedBy(2).toMillis();
        ctx.executor().schedule(() -> respondNow(ctx, topic, body), after, TimeUnit.MILLISECONDS);
    }

    private static void respondNow(ChannelHandlerContext ctx, String topic, String body) {
        ctx.writeAndFlush(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_MOST_ONCE)
                .payload(io.netty.buffer.Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)).build());
    }


    /**
     * Grants QoS 1 at most for the device's own and the $iothub filters (dps.md §5.3), 0x80 for any other; the device's own C2D filter and the methods filter
     * switch those deliveries on for this connection, after the SUBACK.
     */
    private void subscribe(ChannelHandlerContext ctx, MqttSubscribeMessage subscribe) {
        String id = clientId.orElseThrow();
        String c2dFilter = "devices/" + id + "/messages/devicebound/#";
        List<MqttTopicSubscription> wanted = subscribe.payload().topicSubscriptions();
        int[] granted = new int[wanted.size()];
        boolean c2d = false;
        boolean methodCalls = false;
        for (int i = 0; i < granted.length; i++) {
            String filter = wanted.get(i).topicFilter();
            // Only the device's own topics and the hub's $iothub ones; another device's (or a wildcard over
            // devices) gets the 0x80 failure, as IoT Hub answers.
            boolean own = filter != null && (filter.startsWith("devices/" + id + "/") || filter.startsWith("$iothub/"));
            granted[i] = own ? Math.min(wanted.get(i).qualityOfService().value(), 1) : MqttQoS.FAILURE.value();
            c2d |= wanted.get(i).topicFilter().equals(c2dFilter);
            methodCalls |= wanted.get(i).topicFilter().equals(METHODS_FILTER);
        }
        if (c2d || methodCalls) {
            registry.subscribed(id, ctx.channel(), c2d, methodCalls);
        }
        ctx.writeAndFlush(new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(subscribe.variableHeader().messageId()),
                new MqttSubAckPayload(granted)));
        if (c2d) {
            registry.flushCloudToDevice(id, ctx.channel());
        }
    }

    private void refuse(ChannelHandlerContext ctx, MqttConnectReturnCode code) {
        connack(ctx, code).addListener(ChannelFutureListener.CLOSE);
    }

    private io.netty.channel.ChannelFuture connack(ChannelHandlerContext ctx, MqttConnectReturnCode code) {
        recordConnack(code);
        return sendConnack(ctx, code);
    }

    private void recordConnack(MqttConnectReturnCode code) {
        timeline.record(Origin.SERVICE, EventKind.HUB_CONNACK, clientId.orElse(""),
                Map.of("hub", hubName, "returnCode", Integer.toString(code.byteValue())));
    }

    private static io.netty.channel.ChannelFuture sendConnack(ChannelHandlerContext ctx, MqttConnectReturnCode code) {
        MqttConnAckMessage ack = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build();
        return ctx.writeAndFlush(ack);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (clientId.isPresent()) {
            if (accepted) {
                registry.disconnected(clientId.get(), ctx.channel());
                methods.disconnected(ctx.channel());
            }
            timeline.record(Origin.SERVICE, EventKind.HUB_DISCONNECT, clientId.get(), Map.of("hub", hubName));
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
