package dev.firstboot.bench;

import dev.firstboot.pki.TestPki;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.net.Listener;
import dev.firstboot.service.net.ServerTls;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A plain TLS listener on the emulator's own event loops and server TLS setup (the same SslHandler, protocols and
 * "want client certificate"): it answers nothing and closes once the handshake is done, so a client that handshakes
 * and waits for the close measures the full handshake on both sides.
 */
final class HandshakeListener implements AutoCloseable {
    private final Listener listener;

    private HandshakeListener(Listener listener) {
        this.listener = listener;
    }

    static HandshakeListener start(EmulatorStack stack, InetSocketAddress bind) throws IOException {
        String[] protocols = TestPki.serverProtocols();
        return new HandshakeListener(Listener.bind(bind, stack.boss(), stack.workers(), ch -> ch.pipeline()
                .addLast("idle", new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                .addLast("tls", ServerTls.newHandler(stack.serverTls(), protocols))
                .addLast("close-after-handshake", new CloseAfterHandshake())));
    }

    InetSocketAddress address() {
        return listener.address();
    }

    @Override
    public void close() {
        listener.close();
    }

    private static final class CloseAfterHandshake extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent) {
                ctx.close();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
