package dev.firstboot.service.dps;

import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.fault.FaultyTls;
import dev.firstboot.service.net.Listener;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The DPS device API over HTTPS: TLS (client certificate wanted, not required), HTTP/1.1 framing, the message size
 * limit, and {@link DpsService} behind them. One instance per listening port.
 */
public final class DpsHttpsServer implements AutoCloseable {
    /** Idle connections are dropped after this, so nothing waits forever on a silent client. */
    private static final Duration IDLE_DEADLINE = Duration.ofSeconds(120);

    private final Listener listener;

    private DpsHttpsServer(Listener listener) {
        this.listener = listener;
    }

    public static DpsHttpsServer start(DpsService service, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return start(service, tls, protocols, bind, boss, workers, timeline, FaultPlan.none());
    }

    /** As above, with the faults {@code faults} injects on each connection and request. */
    public static DpsHttpsServer start(DpsService service, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                       EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline,
                                      FaultPlan faults)
            throws IOException {
        return new DpsHttpsServer(Listener.bind(bind, boss, workers, ch -> {
            ch.pipeline().addLast("idle", new ReadTimeoutHandler(IDLE_DEADLINE.toSeconds(), TimeUnit.SECONDS));
            FaultyTls.install(ch.pipeline(), faults, "dps", tls, protocols, timeline);
            ch.pipeline().addLast("http", new HttpServerCodec())
                    .addLast("aggregate", new DpsAggregator(DpsService.MAX_BODY_BYTES))
                    .addLast("dps", new DpsHttpHandler(service, timeline, faults));
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
