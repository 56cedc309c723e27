package dev.firstboot.service.dps;

import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.fault.FaultyTls;
import dev.firstboot.service.net.FirstMessageDeadline;
import dev.firstboot.service.net.Limits;
import dev.firstboot.service.net.Listener;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The DPS device API over MQTT 3.1.1: TLS (client certificate wanted, not required), MQTT framing, and
 * {@link DpsService} behind them, exactly as {@link DpsHttpsServer} puts it behind HTTP. One instance per port.
 */
public final class DpsMqttServer implements AutoCloseable {
    /** A register body up to the service's limit, plus room for the topic and the MQTT header. */
    private static final int MAX_MESSAGE_BYTES = DpsService.MAX_BODY_BYTES + 4096;
    /** A client has this long to finish TLS and send CONNECT; then its keep-alive governs. */
    static final long CONNECT_DEADLINE_SECONDS = 30;
    private static final Limits DEFAULT_LIMITS = new Limits(Limits.DEFAULT.maxConnections(),
            Duration.ofSeconds(CONNECT_DEADLINE_SECONDS), Limits.DEFAULT.maxInFlight());

    private final Listener listener;

    private DpsMqttServer(Listener listener) {
        this.listener = listener;
    }

    public static DpsMqttServer start(DpsService service, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                      EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline)
            throws IOException {
        return start(service, DEFAULT_LIMITS, FaultPlan.none(), tls, protocols, bind, boss, workers, timeline);
    }

    /** As above, with the faults {@code faults} injects on each connection and request. */
    public static DpsMqttServer start(DpsService service, SSLContext tls, String[] protocols, InetSocketAddress bind,
                                      EventLoopGroup boss, EventLoopGroup workers, TimelineSink timeline,
                                      FaultPlan faults)
            throws IOException {
        return start(service, DEFAULT_LIMITS, faults, tls, protocols, bind, boss, workers, timeline);
    }

    /** As the first, with other {@link Limits}. */
    public static DpsMqttServer start(DpsService service, Limits limits, SSLContext tls, String[] protocols,
                                      InetSocketAddress bind, EventLoopGroup boss, EventLoopGroup workers,
                                      TimelineSink timeline) throws IOException {
        return start(service, limits, FaultPlan.none(), tls, protocols, bind, boss, workers, timeline);
    }

    /**
     * At most {@link Limits#maxConnections()} connections, and {@link Limits#idleTimeout()} to finish TLS and send a
     * whole CONNECT, however slowly its bytes trickle in (then the client's keep-alive governs, capped). Packets are
     * handled on the network threads, so in-flight work is bounded by their number.
     */
    public static DpsMqttServer start(DpsService service, Limits limits, FaultPlan faults, SSLContext tls,
                                      String[] protocols, InetSocketAddress bind, EventLoopGroup boss,
                                      EventLoopGroup workers, TimelineSink timeline) throws IOException {
        return new DpsMqttServer(Listener.bind(bind, boss, workers, limits.maxConnections(), ch -> {
            ch.pipeline().addLast("idle",
                    new ReadTimeoutHandler(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
            FaultyTls.install(ch.pipeline(), faults, "dps-mqtt", tls, protocols, timeline);
            ch.pipeline().addLast("mqtt-decoder", new MqttDecoder(MAX_MESSAGE_BYTES))
                    .addLast("mqtt-encoder", MqttEncoder.INSTANCE)
                    .addLast("connect-deadline", new FirstMessageDeadline(limits.idleTimeout()))
                    .addLast("dps", new DpsMqttHandler(service, timeline, faults, limits.idleTimeout()));
        }));
    }

    public InetSocketAddress address() {
        return listener.address();
    }

    /** Closes every device connection, keeping the port open. */
    public void closeConnections() {
        listener.closeConnections();
    }

    @Override
    public void close() {
        listener.close();
    }
}
