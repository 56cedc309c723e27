package dev.firstboot.service.dps;

import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.fault.FaultyTls;
import dev.firstboot.service.dps.admin.ServiceApi;
import dev.firstboot.service.net.Limits;
import dev.firstboot.service.net.Listener;
import dev.firstboot.service.net.RequestDeadline;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
        return start(service, Optional.empty(), Limits.DEFAULT, FaultPlan.none(), tls, protocols, bind, boss, workers,
                timeline);
    }

    /** The device API only, with the faults {@code faults} injects on each connection and request. */
    public static DpsHttpsServer start(DpsService service, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline,
                                       FaultPlan faults)
            throws IOException {
        return start(service, Optional.empty(), Limits.DEFAULT, faults, tls, protocols, bind, boss, workers, timeline);
    }

    /** The device API and, when given, the service API, without faults. */
    public static DpsHttpsServer start(DpsService service, Optional<ServiceApi> serviceApi, Limits limits,
                                       SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return start(service, serviceApi, limits, FaultPlan.none(), tls, protocols, bind, boss, workers, timeline);
    }

    /**
     * The device API and, when given, the service (enrollment) API on the same port, routed by path. A connection
     * that completes no request within {@link Limits#idleTimeout()} is closed; connections beyond
     * {@link Limits#maxConnections()} are closed on accept; bodies over {@link DpsService#MAX_BODY_BYTES} get 413
     * without being read; {@code faults} acts on each connection and device request.
     */
    public static DpsHttpsServer start(DpsService service, Optional<ServiceApi> serviceApi, Limits limits,
                                       FaultPlan faults, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return start(service, serviceApi, Optional::empty, limits, faults, tls, protocols, bind, boss, workers,
                timeline);
    }

    /**
     * As above, with more routes in front of the service API: {@code moreRoutes} is asked on each connection for a
     * handler (the emulator's /firstboot paths, once they are served) that passes what it does not serve on.
     */
    public static DpsHttpsServer start(DpsService service, Optional<ServiceApi> serviceApi,
                                       Supplier<Optional<ChannelHandler>> moreRoutes, Limits limits,
                                       FaultPlan faults, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return new DpsHttpsServer(Listener.bind(bind, boss, workers, limits.maxConnections(), ch -> {
            ch.pipeline()
                    .addLast("idle", new ReadTimeoutHandler(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
            FaultyTls.install(ch.pipeline(), faults, "dps", tls, protocols, timeline);
            ch.pipeline().addLast("http", new HttpServerCodec())
                    .addLast("aggregate", new DpsAggregator(DpsService.MAX_BODY_BYTES))
                    .addLast("deadline", new RequestDeadline(limits.idleTimeout()));
            moreRoutes.get().ifPresent(h -> ch.pipeline().addLast("more-routes", h));
            serviceApi.ifPresent(api -> ch.pipeline().addLast("service-api", api.newHandler(timeline)));
            ch.pipeline().addLast("dps", new DpsHttpHandler(service, timeline, faults));
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
