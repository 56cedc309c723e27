package dev.firstboot.service.net;

import dev.firstboot.pki.Certificates;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The server side of the emulators' TLS: client certificates are asked for but not required ("want"), any chain is
 * accepted, and the chain the client presented is kept on the channel for the application to judge.
 */
public final class ServerTls {
    private static final AttributeKey<List<byte[]>> PEER_CHAIN = AttributeKey.valueOf("firstboot.peerChain");
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    private ServerTls() {
    }

    public static SslHandler newHandler(SSLContext context, String[] protocols) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setWantClientAuth(true);
        engine.setEnabledProtocols(protocols);
        SslHandler handler = new SslHandler(engine);
        handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT.toMillis());
        return handler;
    }

    /** The DER chain (leaf first) the client presented on this channel; empty when it presented none. */
    public static List<byte[]> peerChain(Channel channel) {
        List<byte[]> chain = channel.attr(PEER_CHAIN).get();
        return chain == null ? List.of() : chain;
    }

    /** Records TLS_HANDSHAKE or TLS_FAILED for each connection and keeps the peer chain; closes on failure. */
    public static final class HandshakeRecorder extends ChannelInboundHandlerAdapter {
        private final String subject;
        private final TimelineSink timeline;
        private final Map<String, String> extra;

        public HandshakeRecorder(String subject, TimelineSink timeline) {
            this(subject, timeline, Map.of());
        }

        /** As above, adding {@code extra} attributes to both events (what a fault made of this handshake). */
        public HandshakeRecorder(String subject, TimelineSink timeline, Map<String, String> extra) {
            this.subject = subject;
            this.timeline = timeline;
            this.extra = Map.copyOf(extra);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                    List<byte[]> chain = chainOf(session);
                    ctx.channel().attr(PEER_CHAIN).set(chain);
                    String peer = "none";
                    if (!chain.isEmpty() && session.getPeerCertificates()[0] instanceof X509Certificate leaf) {
                        peer = Certificates.commonName(leaf).orElse("(no CN)");
                    }
                    Map<String, String> attrs = new java.util.LinkedHashMap<>(extra);
                    attrs.put("peer", peer);
                    attrs.put("protocol", session.getProtocol());
                    timeline.record(Origin.SERVICE, EventKind.TLS_HANDSHAKE, subject, attrs);
                } else {
                    Throwable cause = done.cause();
                    String reason = cause == null ? "unknown" : cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
                    Map<String, String> attrs = new java.util.LinkedHashMap<>(extra);
                    attrs.put("reason", reason);
                    timeline.record(Origin.SERVICE, EventKind.TLS_FAILED, subject, attrs);
                    ctx.close();
                }
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        private static List<byte[]> chainOf(SSLSession session) {
            try {
                List<byte[]> out = new ArrayList<>();
                for (Certificate c : session.getPeerCertificates()) {
                    out.add(c.getEncoded());
                }
                return List.copyOf(out);
            } catch (SSLPeerUnverifiedException e) {
                return List.of();
            } catch (CertificateEncodingException e) {
                return List.of();
            }
        }
    }
}
