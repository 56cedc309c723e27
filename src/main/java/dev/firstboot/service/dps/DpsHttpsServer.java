package dev.firstboot.service.dps;

import dev.firstboot.service.dps.admin.ServiceApi;
import dev.firstboot.service.net.Limits;
import dev.firstboot.service.net.Listener;
import dev.firstboot.service.net.RequestDeadline;
import dev.firstboot.service.net.ServerTls;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The DPS device API over HTTPS: TLS (client certificate wanted, not required), HTTP/1.1 framing, the message size
 * limit, the resource {@link Limits}, and {@link DpsService} (and optionally the service API) behind them. One
 * instance per listening port.
 */
public final class DpsHttpsServer implements AutoCloseable {
    private final Listener listener;

    private DpsHttpsServer(Listener listener) {
        this.listener = listener;
    }

    /** The device API alone, with the default {@link Limits}. */
    public static DpsHttpsServer start(DpsService service, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return start(service, Optional.empty(), Limits.DEFAULT, tls, protocols, bind, boss, workers, timeline);
    }

    /**
     * The device API and, when given, the service (enrollment) API on the same port, routed by path. A connection
     * that completes no request within {@link Limits#idleTimeout()} is closed; connections beyond
     * {@link Limits#maxConnections()} are closed on accept; bodies over {@link DpsService#MAX_BODY_BYTES} get 413
     * without being read.
     */
    public static DpsHttpsServer start(DpsService service, Optional<ServiceApi> serviceApi, Limits limits,
                                       SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return new DpsHttpsServer(Listener.bind(bind, boss, workers, limits.maxConnections(), ch -> {
            ch.pipeline()
                    .addLast("idle", new ReadTimeoutHandler(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                    .addLast("tls", ServerTls.newHandler(tls, protocols))
                    .addLast("handshake", new ServerTls.HandshakeRecorder("dps", timeline))
                    .addLast("http", new HttpServerCodec())
                    .addLast("aggregate", new DpsAggregator(DpsService.MAX_BODY_BYTES))
                    .addLast("deadline", new RequestDeadline(limits.idleTimeout()));
            serviceApi.ifPresent(api -> ch.pipeline().addLast("service-api", api.newHandler(timeline)));
            ch.pipeline().addLast("dps", new DpsHttpHandler(service, timeline));
        }));
    }

    public InetSocketAddress address() {
        return listener.address();
    }

    @Override
    public void close() {
        listener.close();
    }
}
