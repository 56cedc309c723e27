package dev.firstboot.service.dps;

import dev.firstboot.identity.RegistrationId;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.net.MqttHousekeeping;
import dev.firstboot.service.net.ServerTls;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
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

import dev.firstboot.identity.tpm.SasTokens;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One device connection to DPS over MQTT: CONNECT checks, then each register or status PUBLISH becomes a
 * {@link DeviceRequest} for {@link DpsService}, whose reply goes back on the response topic with the device's
 * {@code $rid}.
 *
 * <p>CONNACK refusals, as the C SDK maps them (spec §2.1): 1 for a protocol level other than MQTT 3.1.1; 2 for a
 * client id that is not a registration id; 4 for a user name that is not
 * {@code {idScope}/registrations/{clientId}/api-version=...}, names another ID scope, or another registration id
 * than the client id, or for a CONNECT with neither a password (SAS) nor a TLS client certificate; 5 for a SAS that
 * is malformed, for another scope or registration id, or expired. Enrollment and the SAS signature are judged per
 * request (res/401), as for HTTPS.
 */
final class DpsMqttHandler extends SimpleChannelInboundHandler<MqttMessage> {
    private static final String TRANSPORT = "mqtt";
    private static final int MQTT_3_1_1 = 4;

    private final DpsService service;
    private final TimelineSink timeline;
    private final FaultPlan faults;
    private final long maxIdleSeconds;
    private Optional<Session> session = Optional.empty();
    private boolean connectSeen;
    private int nextPacketId = 1;

    /** What an accepted CONNECT established for every later request on the connection. */
    private record Session(String registrationId, String idScope, Optional<String> apiVersion,
                           Optional<String> authorization) {
    }

    DpsMqttHandler(DpsService service, TimelineSink timeline, FaultPlan faults, java.time.Duration maxIdle) {
        this.maxIdleSeconds = Math.max(1, maxIdle.toSeconds());
        this.service = service;
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
        if (session.isEmpty()) {
            if (type == MqttMessageType.CONNECT && !connectSeen) {
                connect(ctx, (MqttConnectMessage) msg);
            } else {
                ctx.close();
            }
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
        if (!connectSeen && msg.fixedHeader() != null
                && msg.fixedHeader().messageType() == MqttMessageType.CONNECT) {
            connectSeen = true;
            if (cause instanceof MqttUnacceptableProtocolVersionException) {
                refuse(ctx, "", MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
                return;
            }
            if (cause instanceof MqttIdentifierRejectedException) {
                refuse(ctx, "", MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
                return;
            }
        }
        ctx.close();
    }

    private void connect(ChannelHandlerContext ctx, MqttConnectMessage connect) {
        connectSeen = true;
        String id = connect.payload().clientIdentifier() == null ? "" : connect.payload().clientIdentifier();
        String username = connect.payload().userName() == null ? "" : connect.payload().userName();
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("transport", TRANSPORT);
        attrs.put("clientId", id);
        attrs.put("username", username);
        timeline.record(Origin.SERVICE, EventKind.DPS_CONNECT, id, attrs);

        if (connect.variableHeader().version() != MQTT_3_1_1) {
            refuse(ctx, id, MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
            return;
        }
        if (!RegistrationId.isValid(id)) {
            refuse(ctx, id, MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
            return;
        }
        Optional<Username> parsed = Username.parse(username);
        if (parsed.isEmpty() || !RegistrationId.same(parsed.get().registrationId(), id)
                || !parsed.get().idScope().equals(service.idScope())) {
            refuse(ctx, id, MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        byte[] password = connect.payload().passwordInBytes();
        Optional<String> sas = password == null || password.length == 0 ? Optional.empty()
                : Optional.of(new String(password, StandardCharsets.UTF_8));
        if (sas.isEmpty() && ServerTls.peerChain(ctx.channel()).isEmpty()) {
            note(id, "no password (SAS) and no TLS client certificate: a device proves who it is with one of them");
            refuse(ctx, id, MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD);
            return;
        }
        Optional<String> badSas = sas.flatMap(t -> SasTokens.problemWithoutKey(t,
                service.idScope() + "/registrations/" + id, SymmetricKeyAttestation.KEY_NAMES, Instant.now()));
        if (badSas.isPresent()) {
            note(id, "SAS: " + badSas.get());
            refuse(ctx, id, MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        session = Optional.of(new Session(id, parsed.get().idScope(), parsed.get().apiVersion(), sas));
        int keepAlive = connect.variableHeader().keepAliveTimeSeconds();
        // Keep-alive 0 ("none") does not hold a provisioning session open longer than the listener's idle timeout.
        long idle = keepAlive == 0 ? maxIdleSeconds : Math.min(maxIdleSeconds, (keepAlive * 3L + 1) / 2);
        ctx.pipeline().replace("idle", "idle", new ReadTimeoutHandler(idle, TimeUnit.SECONDS));
        connack(ctx, id, MqttConnectReturnCode.CONNECTION_ACCEPTED);
    }

    private void publish(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        Session s = session.orElseThrow();
        String topicName = publish.variableHeader().topicName();
        MqttQoS qos = publish.fixedHeader().qosLevel();
        if (qos == MqttQoS.EXACTLY_ONCE || topicName == null || !topicName.startsWith(DpsTopic.PREFIX)) {
            ctx.close();
            return;
        }
        if (qos == MqttQoS.AT_LEAST_ONCE) {
            ctx.writeAndFlush(MqttMessageBuilders.pubAck().packetId(publish.variableHeader().packetId()).build());
        }
        DpsTopic topic = DpsTopic.parse(topicName);
        DpsEvents.request(timeline, s.registrationId(), topic.operationName(), TRANSPORT, topic.method(),
                topic.path(), s.apiVersion().orElse(""));
        List<byte[]> chain = ServerTls.peerChain(ctx.channel());
        DpsReply reply;
        FaultPlan.Verdict verdict = topic.refusal().isPresent() ? new FaultPlan.Verdict.Serve(java.time.Duration.ZERO)
                : faults.onDpsRequest(TRANSPORT, s.registrationId(), topic.operationName());
        if (topic.refusal().isPresent()) {
            reply = service.refuse(Optional.of(s.registrationId()), chain, topic.refusal().get());
        } else if (verdict instanceof FaultPlan.Verdict.Answer answer) {
            reply = FaultReplies.of(answer);
        } else {
            // Devices resend the register JSON, a blank or nothing when polling; DPS ignores a status payload.
            byte[] body = topic.operation().orElseThrow() == DeviceRequest.Operation.REGISTER
                    ? ByteBufUtil.getBytes(publish.payload()) : new byte[0];
            reply = service.handle(new DeviceRequest(topic.operation().orElseThrow(), s.idScope(), s.registrationId(),
                    topic.operationId(), s.apiVersion(), chain, body, s.authorization()));
        }
        boolean drop = faults.dropAfter(TRANSPORT, s.registrationId(), topic.operationName(), reply.httpStatus());
        DpsReply answer = reply;
        Runnable send = () -> {
            ChannelFuture sent = ctx.writeAndFlush(MqttMessageBuilders.publish()
                    .topicName(DpsTopic.response(topic.rid(), answer))
                    .qos(MqttQoS.AT_LEAST_ONCE).retained(false).messageId(packetId())
                    .payload(Unpooled.copiedBuffer(answer.json(), StandardCharsets.UTF_8)).build());
            if (drop) {
                sent.addListener(ChannelFutureListener.CLOSE);
            }
        };
        // DPS answers when it has decided (after a fault's delay, if any): that is the response on the timeline, in
        // the scenario of its request. The answer reaches the device one service round trip later (ServiceLatency).
        Runnable answered = () -> {
            DpsEvents.response(timeline, s.registrationId(), topic.operationName(), answer);
            ctx.executor().schedule(send, faults.serviceLatency().toMillis(), TimeUnit.MILLISECONDS);
        };
        if (verdict.delay().isZero()) {
            answered.run();
        } else {
            ctx.executor().schedule(answered, verdict.delay().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private int packetId() {
        int id = nextPacketId;
        nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
        return id;
    }

    /** DPS serves only its response topics, at QoS 1 at most; any other filter gets the 0x80 failure code. */
    private static void subscribe(ChannelHandlerContext ctx, MqttSubscribeMessage subscribe) {
        List<MqttTopicSubscription> wanted = subscribe.payload().topicSubscriptions();
        int[] granted = new int[wanted.size()];
        for (int i = 0; i < granted.length; i++) {
            MqttTopicSubscription w = wanted.get(i);
            granted[i] = DpsTopic.SUBSCRIPTION.equals(w.topicFilter())
                    ? Math.min(w.qualityOfService().value(), 1) : MqttQoS.FAILURE.value();
        }
        ctx.writeAndFlush(new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                MqttMessageIdVariableHeader.from(subscribe.variableHeader().messageId()),
                new MqttSubAckPayload(granted)));
    }

    private void note(String clientId, String refused) {
        timeline.record(Origin.SERVICE, EventKind.HARNESS_NOTE, clientId, Map.of("transport", TRANSPORT,
                "refused", refused));
    }

    private void refuse(ChannelHandlerContext ctx, String clientId, MqttConnectReturnCode code) {
        connack(ctx, clientId, code).addListener(ChannelFutureListener.CLOSE);
    }

    private ChannelFuture connack(ChannelHandlerContext ctx, String clientId, MqttConnectReturnCode code) {
        timeline.record(Origin.SERVICE, EventKind.DPS_CONNACK, clientId,
                Map.of("transport", TRANSPORT, "returnCode", Integer.toString(code.byteValue())));
        MqttConnAckMessage ack = MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build();
        return ctx.writeAndFlush(ack);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** {@code {idScope}/registrations/{registrationId}/api-version={v}&ClientVersion=...}; other query is ignored. */
    record Username(String idScope, String registrationId, Optional<String> apiVersion) {
        static Optional<Username> parse(String username) {
            String[] parts = username.split("/", 4);
            if (parts.length != 4 || parts[0].isEmpty() || !parts[1].equals("registrations") || parts[2].isEmpty()) {
                return Optional.empty();
            }
            String query = parts[3].startsWith("?") ? parts[3].substring(1) : parts[3];
            Optional<String> version = Optional.empty();
            for (String part : query.split("&", -1)) {
                if (part.startsWith("api-version=") && version.isEmpty()) {
                    version = Optional.of(part.substring("api-version=".length())).filter(v -> !v.isEmpty());
                }
            }
            return Optional.of(new Username(parts[0], parts[2], version));
        }
    }
}
