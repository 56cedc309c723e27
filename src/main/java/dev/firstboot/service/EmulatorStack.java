package dev.firstboot.service;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.DpsHttpsServer;
import dev.firstboot.service.dps.DpsMqttServer;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The emulators as one started unit: a TLS server identity from a CA, Netty event loops, {@link DpsService}, the DPS
 * HTTPS and MQTT listeners and one {@link IotHubEmulator} per hub, on the address and ports of {@link Settings}.
 * Used by {@code firstboot emulator} and {@code firstboot bench}. {@link #close()} leaves nothing open.
 */
public final class EmulatorStack implements AutoCloseable {
    /** Names of the event-loop threads, so a benchmark can add up the server's CPU time. */
    public static final String IO_THREAD_PREFIX = "firstboot-emulator-io";
    public static final String ACCEPT_THREAD_PREFIX = "firstboot-emulator-accept";
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");
    private static final Duration SHUTDOWN_DEADLINE = Duration.ofSeconds(5);

    /** A hub: its name (rig and enrollment use it), the host name devices are given, and its MQTT port (0 = any). */
    public record Hub(String name, String host, int port) {
    }

    /**
     * @param host      the name clients use for DPS; the server certificate is issued for it
     * @param bind      the address every listener binds (127.0.0.1, or 0.0.0.0 in a container)
     * @param ioThreads event-loop threads for connections
     */
    public record Settings(String idScope, String host, String bind, int dpsHttpsPort, int dpsMqttPort,
                           List<Hub> hubs, int retryAfterSeconds, int ioThreads) {
        public Settings {
            hubs = List.copyOf(hubs);
            if (hubs.isEmpty()) {
                throw new IllegalArgumentException("the emulator needs at least one hub to assign devices to");
            }
        }
    }

    /** The stack did not start; {@link #portInUse()} is set when the cause was a port someone else holds. */
    public static final class StartFailure extends Exception {
        private final OptionalInt portInUse;

        StartFailure(String message, OptionalInt portInUse, Throwable cause) {
            super(message, cause);
            this.portInUse = portInUse;
        }

        public OptionalInt portInUse() {
            return portInUse;
        }
    }

    private final Settings settings;
    private final TestPki pki;
    private final SSLContext serverTls;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final DpsService dps;
    private final Map<String, IotHubEmulator> hubs;
    private final DpsHttpsServer dpsHttps;
    private final DpsMqttServer dpsMqtt;
    private boolean closed;

    private EmulatorStack(Settings settings, TestPki pki, SSLContext serverTls, EventLoopGroup boss,
                          EventLoopGroup workers, DpsService dps, Map<String, IotHubEmulator> hubs,
                          DpsHttpsServer dpsHttps, DpsMqttServer dpsMqtt) {
        this.settings = settings;
        this.pki = pki;
        this.serverTls = serverTls;
        this.boss = boss;
        this.workers = workers;
        this.dps = dps;
        this.hubs = hubs;
        this.dpsHttps = dpsHttps;
        this.dpsMqtt = dpsMqtt;
    }

    public static EmulatorStack start(Settings settings, TestPki pki, TimelineSink timeline) throws StartFailure {
        Set<String> dnsNames = new LinkedHashSet<>();
        Set<String> ips = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        names.add(settings.host());
        names.add("localhost");
        settings.hubs().forEach(h -> names.add(h.host()));
        for (String n : names) {
            (IP_LITERAL.matcher(n).matches() ? ips : dnsNames).add(n);
        }
        ips.add("127.0.0.1");
        if (!settings.bind().equals("0.0.0.0") && !settings.bind().equals("::")) {
            ips.add(settings.bind());
        }
        KeyMaterial serverKey = pki.issueServer(List.copyOf(dnsNames), List.copyOf(ips));
        SSLContext tls = pki.serverContext(serverKey);
        String[] protocols = TestPki.serverProtocols();
        InetAddress bindAddress;
        try {
            bindAddress = InetAddress.getByName(settings.bind());
        } catch (IOException e) {
            throw new StartFailure("the bind address '" + settings.bind() + "' is not an IP address this machine"
                    + " knows; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)", OptionalInt.empty(), e);
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory(ACCEPT_THREAD_PREFIX, true), NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(settings.ioThreads(),
                new DefaultThreadFactory(IO_THREAD_PREFIX, true), NioIoHandler.newFactory());
        Map<String, IotHubEmulator> hubs = new LinkedHashMap<>();
        DpsHttpsServer https = null;
        DpsMqttServer mqtt = null;
        int port = -1;
        try {
            for (Hub h : settings.hubs()) {
                port = h.port();
                hubs.put(h.name(), IotHubEmulator.start(h.name(), h.host(), tls, protocols,
                        new InetSocketAddress(bindAddress, h.port()), boss, workers, timeline));
            }
            DpsService dps = new DpsService(settings.idScope(), settings.retryAfterSeconds(),
                    (hub, deviceId, credential) -> {
                        IotHubEmulator h = hubs.get(hub);
                        h.register(deviceId, credential);
                        return h.host();
                    }, timeline);
            port = settings.dpsHttpsPort();
            https = DpsHttpsServer.start(dps, tls, protocols, new InetSocketAddress(bindAddress, port), boss,
                    workers, timeline);
            port = settings.dpsMqttPort();
            mqtt = DpsMqttServer.start(dps, tls, protocols, new InetSocketAddress(bindAddress, port), boss,
                    workers, timeline);
            return new EmulatorStack(settings, pki, tls, boss, workers, dps, Map.copyOf(hubs), https, mqtt);
        } catch (IOException | RuntimeException e) {
            hubs.values().forEach(IotHubEmulator::close);
            if (https != null) {
                https.close();
            }
            if (mqtt != null) {
                mqtt.close();
            }
            shutdown(boss, workers);
            if (isBindConflict(e)) {
                throw new StartFailure("port " + port + " on " + settings.bind() + " is already in use by another"
                        + " program; stop it (e.g. 'ss -ltnp | grep :" + port + "' shows which), or choose another"
                        + " port in the config", OptionalInt.of(port), e);
            }
            if (port > 0 && port < 1024 && e.getMessage() != null && e.getMessage().contains("ermission")) {
                throw new StartFailure("port " + port + " is below 1024 and needs root (or CAP_NET_BIND_SERVICE);"
                        + " run as root, or choose a port of 1024 or above in the config", OptionalInt.of(port), e);
            }
            throw new StartFailure("the emulator did not start on " + settings.bind() + ": " + e.getMessage(),
                    OptionalInt.empty(), e);
        }
    }

    private static boolean isBindConflict(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException && t.getMessage() != null && t.getMessage().contains("in use")) {
                return true;
            }
            if (t.getMessage() != null && t.getMessage().contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    public Settings settings() {
        return settings;
    }

    public TestPki pki() {
        return pki;
    }

    /** The server TLS context every listener uses (the certificate is issued for every configured host). */
    public SSLContext serverTls() {
        return serverTls;
    }

    public EventLoopGroup boss() {
        return boss;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public DpsService dps() {
        return dps;
    }

    public Map<String, IotHubEmulator> hubs() {
        return hubs;
    }

    public InetSocketAddress dpsHttpsAddress() {
        return dpsHttps.address();
    }

    public InetSocketAddress dpsMqttAddress() {
        return dpsMqtt.address();
    }

    /** Drops every open DPS MQTT connection (a rig's per-scenario reset: no session outlives its scenario). */
    public void closeDpsMqttConnections() {
        dpsMqtt.closeConnections();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        dpsHttps.close();
        dpsMqtt.close();
        hubs.values().forEach(IotHubEmulator::close);
        shutdown(boss, workers);
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        workers.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
