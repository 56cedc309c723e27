package dev.firstboot.service.fault;

import dev.firstboot.service.net.ServerTls;
import dev.firstboot.timeline.TimelineSink;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLContext;
import java.util.Map;

/** The TLS layer of a new DPS connection as the {@link FaultPlan} decides it: normal, failing, or expired. */
public final class FaultyTls {
    /** A fatal TLS alert record, handshake_failure (40), as a server that will not negotiate sends it. */
    private static final byte[] HANDSHAKE_FAILURE_ALERT = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};

    private FaultyTls() {
    }

    /** Adds "tls" and "handshake" handlers to {@code pipeline} for a connection to {@code front}. */
    public static void install(ChannelPipeline pipeline, FaultPlan plan, String front, SSLContext tls,
                               String[] protocols, TimelineSink timeline) {
        switch (plan.onConnection(front)) {
            case NORMAL -> pipeline.addLast("tls", ServerTls.newHandler(tls, protocols))
                    .addLast("handshake", new ServerTls.HandshakeRecorder(front, timeline));
            case EXPIRED_CERTIFICATE -> pipeline.addLast("tls", ServerTls.newHandler(plan.expiredTls(), protocols))
                    .addLast("handshake", new ServerTls.HandshakeRecorder(front, timeline,
                            Map.of("serverCertificate", "expired")));
            case FAIL -> pipeline.addLast("tls", new FailHandshake())
                    .addLast("handshake", new ChannelInboundHandlerAdapter());
        }
    }

    /** Reads the ClientHello, answers a handshake_failure alert, and closes: the handshake fails at once. */
    static final class FailHandshake extends ChannelInboundHandlerAdapter {
        private boolean answered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            if (!answered) {
                answered = true;
                ctx.writeAndFlush(Unpooled.wrappedBuffer(HANDSHAKE_FAILURE_ALERT))
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
