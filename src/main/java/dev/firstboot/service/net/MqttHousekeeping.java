package dev.firstboot.service.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

/** The MQTT packets every broker-side session answers the same way: UNSUBSCRIBE, PINGREQ and PUBACK. */
public final class MqttHousekeeping {
    private MqttHousekeeping() {
    }

    /** Answers {@code msg} if it is one of those packets; false when the caller must handle it. */
    public static boolean handle(ChannelHandlerContext ctx, MqttMessage msg) {
        switch (msg.fixedHeader().messageType()) {
            case UNSUBSCRIBE -> ctx.writeAndFlush(MqttMessageBuilders.unsubAck()
                    .packetId(((MqttUnsubscribeMessage) msg).variableHeader().messageId()).build());
            case PINGREQ -> ctx.writeAndFlush(new MqttMessage(
                    new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0)));
            case PUBACK -> { }
            default -> {
                return false;
            }
        }
        return true;
    }
}
