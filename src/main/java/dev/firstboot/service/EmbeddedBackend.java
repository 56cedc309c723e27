package dev.firstboot.service;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.rig.Faults;
import dev.firstboot.rig.RigException;
import dev.firstboot.service.dps.DpsHttpsServer;
import dev.firstboot.service.dps.DpsMqttServer;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.dps.EnrollmentSeed;
import dev.firstboot.service.dps.HubAssigner;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.hub.DeviceCredential;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The DPS and hub emulators of one rig, sharing one per-run CA and one pair of event loops. */
final class EmbeddedBackend implements Backend {
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration SHUTDOWN_DEADLINE = Duration.ofSeconds(5);

    private final Settings settings;
    private final TestPki pki;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final DpsService dps;
    private final Map<String, IotHubEmulator> hubs;
    private final DpsHttpsServer dpsServer;
    private final DpsMqttServer dpsMqttServer;
    private final FaultPlan faults;
    private boolean closed;

    /**
     * @param seed          a YAML file of enrollments, groups and CA certificates put through the admin at start and
     *                      after every scenario reset
     * @param hubLatencies  the geoLatency stand-in: milliseconds per hub name, lowest wins
     * @param limits        rate limits for the whole run
     * @param dpsHttps      where DPS listens for HTTPS
     * @param dpsMqtt       where DPS listens for MQTT (the Azure SDKs dial 8883, whatever else they are told)
     * @param hubBinds      per hub name, where it listens and the host name DPS assigns; a hub not listed gets
     *                      an ephemeral port on 127.0.0.1 and {@code {name}.localhost}
     */
    record Settings(String idScope, int retryAfterSeconds, List<String> hubNames, Optional<java.nio.file.Path> seed,
                    Map<String, Integer> hubLatencies, FaultPlan.Limits limits, Bind dpsHttps, Bind dpsMqtt,
                    Map<String, HubBind> hubBinds) {
        Settings {
            hubNames = List.copyOf(hubNames);
            hubLatencies = Map.copyOf(hubLatencies);
            hubBinds = Map.copyOf(hubBinds);
            for (String hub : hubBinds.keySet()) {
                if (!hubNames.contains(hub)) {
                    throw new IllegalArgumentException("a bind address is set for hub '" + hub
                            + "', which is not one of this rig's hubs " + hubNames);
                }
            }
        }

        Settings(String idScope, int retryAfterSeconds, List<String> hubNames, Optional<java.nio.file.Path> seed,
                 Map<String, Integer> hubLatencies, FaultPlan.Limits limits) {
            this(idScope, retryAfterSeconds, hubNames, seed, hubLatencies, limits, Bind.EPHEMERAL, Bind.EPHEMERAL,
                    Map.of());
        }

        Settings(String idScope, int retryAfterSeconds, List<String> hubNames, Optional<java.nio.file.Path> seed,
                 Map<String, Integer> hubLatencies) {
            this(idScope, retryAfterSeconds, hubNames, seed, hubLatencies, FaultPlan.Limits.NONE);
        }

        /** Given listeners, no seed, no latencies, no limits. */
        Settings(String idScope, int retryAfterSeconds, List<String> hubNames, Bind dpsHttps, Bind dpsMqtt,
                 Map<String, HubBind> hubBinds) {
            this(idScope, retryAfterSeconds, hubNames, Optional.empty(), Map.of(), FaultPlan.Limits.NONE, dpsHttps,
                    dpsMqtt, hubBinds);
        }

        /** Every listener on an ephemeral port on 127.0.0.1, hubs named {@code {name}.localhost}. */
        Settings(String idScope, int retryAfterSeconds, List<String> hubNames) {
            this(idScope, retryAfterSeconds, hubNames, Optional.empty(), Map.of(), FaultPlan.Limits.NONE);
        }

        HubBind hub(String name) {
            return hubBinds.getOrDefault(name, new HubBind(LOOPBACK, 0, IotHubEmulator.hostFor(name)));
        }
    }

    /** Where one listener binds: an IP address and a port, 0 for an ephemeral one. */
    record Bind(String address, int port) {
        static final Bind EPHEMERAL = new Bind(LOOPBACK, 0);

        Bind {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("a port is 0 (ephemeral) to 65535, got " + port);
            }
            if (!isIpLiteral(address)) {
                throw new IllegalArgumentException("bind to an IP address like 127.0.0.1, got \"" + address + "\"");
            }
        }

        InetSocketAddress socket() {
            return new InetSocketAddress(address, port);
        }
    }

    /**
     * A hub's listener and the host name DPS assigns for it. The name goes into the device's MQTT user name and
     * SAS, and into the server certificate (as an IP SAN when it is an IP literal such as 127.0.0.2).
     */
    record HubBind(String address, int port, String hostName) {
        HubBind {
            new Bind(address, port);
            if (hostName == null || hostName.isBlank() || hostName.contains("/")) {
                throw new IllegalArgumentException("a hub host name is a DNS name or IP address, got \"" + hostName
                        + "\"");
            }
        }
    }

    static boolean isIpLiteral(String s) {
        return s != null && (s.matches("\\d{1,3}(\\.\\d{1,3}){3}") || (s.contains(":") && s.matches("[0-9A-Fa-f:.]+")));
    }

    private EmbeddedBackend(Settings settings, TestPki pki, EventLoopGroup boss, EventLoopGroup workers, DpsService dps,
                            Map<String, IotHubEmulator> hubs, DpsHttpsServer dpsServer,
                            DpsMqttServer dpsMqttServer, FaultPlan faults) {
        this.settings = settings;
        this.pki = pki;
        this.boss = boss;
        this.workers = workers;
        this.dps = dps;
        this.hubs = hubs;
        this.dpsServer = dpsServer;
        this.dpsMqttServer = dpsMqttServer;
        this.faults = faults;
    }

    static EmbeddedBackend start(Settings settings, TimelineSink timeline) throws RigException {
        TestPki pki = TestPki.create();
        Set<String> names = new LinkedHashSet<>();
        Set<String> ips = new LinkedHashSet<>();
        names.add("localhost");
        ips.add(LOOPBACK);
        ips.add(settings.dpsHttps().address());
        ips.add(settings.dpsMqtt().address());
        for (String h : settings.hubNames()) {
            HubBind bind = settings.hub(h);
            ips.add(bind.address());
            (isIpLiteral(bind.hostName()) ? ips : names).add(bind.hostName());
        }
        ips.remove("0.0.0.0");
        ips.remove("::");
        KeyMaterial serverKey = pki.issueServer(List.copyOf(names), List.copyOf(ips));
        SSLContext tls = pki.serverContext(serverKey);
        String[] protocols = TestPki.serverProtocols();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("firstboot-emulator-accept", true), NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory("firstboot-emulator-io", true), NioIoHandler.newFactory());
        FaultPlan faults = new FaultPlan(timeline, settings.hubNames(),
                () -> pki.serverContext(pki.issueExpiredServer(List.copyOf(names), List.copyOf(ips))), settings.limits());
        Map<String, IotHubEmulator> hubs = new LinkedHashMap<>();
        DpsHttpsServer dpsServer = null;
        DpsMqttServer dpsMqttServer = null;
        try {
            for (String name : settings.hubNames()) {
                HubBind bind = settings.hub(name);
                hubs.put(name, IotHubEmulator.start(name, bind.hostName(), tls, protocols,
                        new Bind(bind.address(), bind.port()).socket(), boss, workers, timeline, faults));
            }
            DpsService dps = new DpsService(settings.idScope(), settings.retryAfterSeconds(), new Hubs(hubs),
                    timeline);
            try {
                configure(dps, settings);
            } catch (RigException e) {
                dps.close();
                throw e;
            }
            dpsServer = DpsHttpsServer.start(dps, tls, protocols, settings.dpsHttps().socket(), boss, workers,
                    timeline, faults);
            dpsMqttServer = DpsMqttServer.start(dps, tls, protocols, settings.dpsMqtt().socket(), boss,
                    workers, timeline, faults);
            return new EmbeddedBackend(settings, pki, boss, workers, dps, Map.copyOf(hubs), dpsServer,
                    dpsMqttServer, faults);
        } catch (IOException | RuntimeException | RigException e) {
            hubs.values().forEach(IotHubEmulator::close);
            if (dpsServer != null) {
                dpsServer.close();
            }
            if (dpsMqttServer != null) {
                dpsMqttServer.close();
            }
            shutdown(boss, workers);
            if (e instanceof RigException r) {
                throw r;
            }
            throw new RigException("the embedded DPS and hub emulators did not start: " + e.getMessage()
                    + ". Is loopback networking available, and is no other process on a fixed port you set?", e);
        }
    }

    /** The seed and the geoLatency numbers, at start and after each reset. */
    private static void configure(DpsService dps, Settings settings) throws RigException {
        dps.setHubLatencies(settings.hubLatencies());
        if (settings.seed().isPresent()) {
            try {
                EnrollmentSeed.load(settings.seed().get(), dps.admin());
            } catch (EnrollmentSeed.SeedException e) {
                throw new RigException(e.getMessage(), e);
            }
        }
    }

    /** The hubs as DPS sees them: names in features, host names in enrollment documents. */
    private record Hubs(Map<String, IotHubEmulator> byName) implements HubAssigner {
        @Override
        public String assign(String hubName, String deviceId, DeviceCredential credential) {
            IotHubEmulator h = byName.get(hubName);
            h.register(deviceId, credential);
            return h.host();
        }

        @Override
        public String hostFor(String hubName) {
            IotHubEmulator h = byName.get(hubName);
            return h == null ? IotHubEmulator.hostFor(hubName) : h.host();
        }

        @Override
        public Optional<String> nameForHost(String host) {
            return byName.values().stream().filter(h -> h.host().equalsIgnoreCase(host) || h.name().equals(host))
                    .map(IotHubEmulator::name).findFirst();
        }

        @Override
        public List<String> linkedHosts() {
            return byName.values().stream().map(IotHubEmulator::host).toList();
        }

        @Override
        public void applyTwin(String hubName, String deviceId, ObjectNode twin) {
            IotHubEmulator h = byName.get(hubName);
            if (h != null) {
                h.applyTwin(deviceId, twin);
            }
        }

        @Override
        public Optional<ObjectNode> twin(String hubName, String deviceId) {
            return Optional.ofNullable(byName.get(hubName)).flatMap(h -> h.twinData(deviceId));
        }
    }

    /** The enrollment service of this rig's DPS (documents, groups, CA certificates, registration records). */
    public EnrollmentAdmin enrollmentAdmin() {
        return dps.admin();
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public DeviceEndpoints deviceEndpoints() {
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        hubs.values().forEach(h -> addresses.put(h.host(), dialable(h.address())));
        InetSocketAddress https = dialable(dpsServer.address());
        String httpsHost = https.getAddress().getHostAddress();
        return new DeviceEndpoints(URI.create("https://" + (httpsHost.equals(LOOPBACK) ? "localhost" : httpsHost)
                + ":" + https.getPort()), dps.idScope(), pki.caCertificate(), addresses,
                Optional.of(dialable(dpsMqttServer.address())));
    }

    /** A listener's address as a device dials it: a wildcard bind is reached on 127.0.0.1. */
    private static InetSocketAddress dialable(InetSocketAddress bound) {
        return bound.getAddress().isAnyLocalAddress() ? new InetSocketAddress(LOOPBACK, bound.getPort()) : bound;
    }

    /** The emulator behind hub {@code name}, for tests that drive the cloud side (C2D, direct methods). */
    Optional<IotHubEmulator> hub(String name) {
        return Optional.ofNullable(hubs.get(name));
    }

    @Override
    public void resetForScenario() {
        faults.clear();
        dps.reset();
        dpsMqttServer.closeConnections();
        hubs.values().forEach(IotHubEmulator::reset);
        dps.setRetryAfterSeconds(settings.retryAfterSeconds());
        try {
            configure(dps, settings);
        } catch (RigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public Set<String> hubNames() {
        return new LinkedHashSet<>(settings.hubNames());
    }

    @Override
    public void enrollX509Individual(String registrationId, byte[] leafCertificateDer, Optional<String> deviceId,
                                     String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollX509Individual(registrationId, leafCertificateDer, deviceId, hubName, enabled);
    }

    @Override
    public void enrollTpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId,
                                    String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollTpmIndividual(registrationId, endorsementKey, deviceId, hubName, enabled);
    }

    @Override
    public void enrollSymmetricKeyIndividual(String registrationId, byte[] primaryKey, Optional<String> deviceId,
                                             String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollSymmetricKeyIndividual(registrationId, primaryKey, deviceId, hubName, enabled);
    }

    @Override
    public void enrollSymmetricKeyGroup(String groupId, byte[] groupKey, String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollSymmetricKeyGroup(groupId, groupKey, hubName, enabled);
    }

    @Override
    public void enrollX509Group(String groupId, byte[] caCertificateDer, String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollX509Group(groupId, caCertificateDer, hubName, enabled);
    }

    @Override
    public void tamperActivationBlobs(boolean tamper) {
        dps.tamperActivationBlobs(tamper);
    }

    private void requireHub(String hubName) {
        if (!hubs.containsKey(hubName)) {
            throw new IllegalArgumentException("no hub named '" + hubName + "' in this rig; its hubs are "
                    + String.join(", ", settings.hubNames()));
        }
    }

    @Override
    public Optional<Registration> registration(String registrationId) {
        return dps.registration(registrationId);
    }

    @Override
    public Optional<HubDeviceState> hubDevice(String hubName, String deviceId) {
        IotHubEmulator hub = hubs.get(hubName);
        return hub == null ? Optional.empty() : hub.device(deviceId);
    }

    @Override
    public Optional<String> hubHost(String hubName) {
        return Optional.ofNullable(hubs.get(hubName)).map(IotHubEmulator::host);
    }

    @Override
    public Optional<String> hubNameForHost(String hostName) {
        return hubs.values().stream().filter(h -> h.host().equalsIgnoreCase(hostName)).map(IotHubEmulator::name)
                .findFirst();
    }

    @Override
    public void setRetryAfter(Duration retryAfter) {
        if (retryAfter.isNegative() || retryAfter.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("retry-after is whole seconds from 0 to "
                    + DpsService.MAX_RETRY_AFTER_SECONDS + ", got " + retryAfter.toMillis() + " ms");
        }
        dps.setRetryAfterSeconds((int) Math.min(Integer.MAX_VALUE, retryAfter.toSeconds()));
    }

    @Override
    public Optional<Faults> faults() {
        return Optional.of(faults);
    }

    @Override
    public Duration retryAfter() {
        return Duration.ofSeconds(dps.retryAfterSeconds());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        dpsServer.close();
        dpsMqttServer.close();
        hubs.values().forEach(IotHubEmulator::close);
        shutdown(boss, workers);
        dps.close();
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        workers.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
