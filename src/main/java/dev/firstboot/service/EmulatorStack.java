package dev.firstboot.service;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.DpsHttpsServer;
import dev.firstboot.service.dps.DpsMqttServer;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.dps.HubAssigner;
import dev.firstboot.service.dps.admin.ServiceApi;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.service.dps.store.EnrollmentStore;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.harness.EventBuffer;
import dev.firstboot.service.harness.HarnessApi;
import dev.firstboot.service.hub.DeviceCredential;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.service.net.Limits;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;

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
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The emulators as one started unit: a TLS server identity from a CA, Netty event loops, a {@link FaultPlan},
 * {@link DpsService} on an {@link EnrollmentStore}, the DPS HTTPS listener (device API and the REST service API
 * behind {@link ServiceSas}), the DPS MQTT listener and one {@link IotHubEmulator} per hub, on the addresses and
 * ports of {@link Settings}. The one place the emulators are put together: {@code firstboot emulator}, the embedded
 * rig ({@link EmbeddedBackend}), {@code firstboot bench} and the containers' rig emulator all start one.
 * {@link #close()} leaves nothing open and closes the store.
 */
public final class EmulatorStack implements AutoCloseable {
    /** Names of the event-loop threads, so a benchmark can add up the server's CPU time. */
    public static final String IO_THREAD_PREFIX = "firstboot-emulator-io";
    public static final String ACCEPT_THREAD_PREFIX = "firstboot-emulator-accept";
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");

    /**
     * A hub: its name (rig and enrollment use it), the host name devices are given (an IP literal such as 127.0.0.2
     * goes into the certificate as an IP address), the address its listener binds (empty: {@link Settings#bind()})
     * and its MQTT port (0 = any).
     */
    public record Hub(String name, String host, Optional<String> bind, int port) {
        public Hub(String name, String host, int port) {
            this(name, host, Optional.empty(), port);
        }
    }

    /**
     * @param host      the name clients use for DPS; the server certificate is issued for it
     * @param bind      the address every listener binds (127.0.0.1, or 0.0.0.0 in a container)
     * @param ioThreads event-loop threads for connections
     * @param limits    the rate limits that hold for the whole run (features inject other faults)
     * @param servicePolicies the service API's shared access policies; empty: one random
     *                  {@value ServiceSas#OWNER_POLICY} key for this run
     */
    public record Settings(String idScope, String host, String bind, int dpsHttpsPort, int dpsMqttPort,
                           List<Hub> hubs, int retryAfterSeconds, int ioThreads, FaultPlan.RateLimits limits,
                           List<ServiceSas.Policy> servicePolicies) {
        public Settings {
            hubs = List.copyOf(hubs);
            servicePolicies = List.copyOf(servicePolicies);
            if (hubs.isEmpty()) {
                throw new IllegalArgumentException("the emulator needs at least one hub to assign devices to");
            }
        }

        /** No rate limits, a random owner key. */
        public Settings(String idScope, String host, String bind, int dpsHttpsPort, int dpsMqttPort,
                        List<Hub> hubs, int retryAfterSeconds, int ioThreads) {
            this(idScope, host, bind, dpsHttpsPort, dpsMqttPort, hubs, retryAfterSeconds, ioThreads,
                    FaultPlan.RateLimits.NONE, List.of());
        }

        List<String> hubNames() {
            return hubs.stream().map(Hub::name).toList();
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
    private final EventLoops.Lease loops;
    private final DpsService dps;
    private final Map<String, IotHubEmulator> hubs;
    private final DpsHttpsServer dpsHttps;
    private final DpsMqttServer dpsMqtt;
    private final FaultPlan faults;
    private final ServiceApi serviceApi;
    private final HarnessApi.Slot harness;
    private final List<String> certificateIps;
    private boolean closed;

    private EmulatorStack(Settings settings, List<String> certificateIps, TestPki pki, SSLContext serverTls,
                          EventLoops.Lease loops, DpsService dps, Map<String, IotHubEmulator> hubs,
                          DpsHttpsServer dpsHttps, DpsMqttServer dpsMqtt, FaultPlan faults, ServiceApi serviceApi,
                          HarnessApi.Slot harness) {
        this.harness = harness;
        this.certificateIps = certificateIps;
        this.faults = faults;
        this.serviceApi = serviceApi;
        this.settings = settings;
        this.pki = pki;
        this.serverTls = serverTls;
        this.loops = loops;
        this.dps = dps;
        this.hubs = hubs;
        this.dpsHttps = dpsHttps;
        this.dpsMqtt = dpsMqtt;
    }

    /** The stack on a private in-memory enrollment store. */
    public static EmulatorStack start(Settings settings, TestPki pki, TimelineSink timeline) throws StartFailure {
        return start(settings, pki, EnrollmentStore.inMemory(), timeline);
    }

    /**
     * @param store the enrollment store DPS and the service API use ({@link EnrollmentStore#inDirectory} survives a
     *              restart); the stack owns it from here and closes it, also when it does not start
     */
    public static EmulatorStack start(Settings settings, TestPki pki, EnrollmentStore store, TimelineSink timeline)
            throws StartFailure {
        return start(settings, pki, store, timeline, new EventLoops(settings.ioThreads()));
    }

    /**
     * As {@link #start(Settings, TestPki, EnrollmentStore, TimelineSink)}, on event loops other stacks may share (the
     * tenants of one backend); the stack holds them until it closes.
     */
    public static EmulatorStack start(Settings settings, TestPki pki, EnrollmentStore store, TimelineSink timeline,
                                      EventLoops eventLoops) throws StartFailure {
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
        ips.add(settings.bind());
        settings.hubs().forEach(h -> h.bind().ifPresent(ips::add));
        if (ips.remove("0.0.0.0") | ips.remove("::")) {
            ips.addAll(interfaceAddresses());
        }
        KeyMaterial serverKey = pki.issueServer(List.copyOf(dnsNames), List.copyOf(ips));
        SSLContext tls = pki.serverContext(serverKey);
        String[] protocols = TestPki.serverProtocols();
        InetAddress bindAddress;
        Map<String, InetAddress> hubAddresses = new LinkedHashMap<>();
        String current = settings.bind();
        try {
            bindAddress = InetAddress.getByName(current);
            for (Hub h : settings.hubs()) {
                current = h.bind().orElse(settings.bind());
                hubAddresses.put(h.name(), InetAddress.getByName(current));
            }
        } catch (IOException e) {
            store.close();
            throw new StartFailure("the bind address '" + current + "' is not an IP address this machine"
                    + " knows; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)", OptionalInt.empty(), e);
        }
        FaultPlan faults = new FaultPlan(timeline, settings.hubNames(),
                () -> pki.serverContext(pki.issueExpiredServer(List.copyOf(dnsNames), List.copyOf(ips))),
                settings.limits());
        List<ServiceSas.Policy> policies = settings.servicePolicies().isEmpty()
                ? List.of(ServiceSas.Policy.generate(ServiceSas.OWNER_POLICY)) : settings.servicePolicies();
        Set<String> sasHosts = new LinkedHashSet<>(names);
        sasHosts.addAll(ips);
        ServiceSas sas = ServiceSas.of(sasHosts, policies);
        EventLoops.Lease loops = eventLoops.acquire();
        EventLoopGroup boss = loops.boss();
        EventLoopGroup workers = loops.workers();
        Map<String, IotHubEmulator> hubs = new LinkedHashMap<>();
        HarnessApi.Slot harness = new HarnessApi.Slot();
        DpsService dps = null;
        ServiceApi serviceApi = null;
        DpsHttpsServer https = null;
        DpsMqttServer mqtt = null;
        int port = -1;
        try {
            for (Hub h : settings.hubs()) {
                port = h.port();
                hubs.put(h.name(), IotHubEmulator.start(h.name(), h.host(), tls, protocols,
                        new InetSocketAddress(hubAddresses.get(h.name()), h.port()), boss, workers, timeline, faults));
            }
            dps = new DpsService(settings.idScope(), settings.retryAfterSeconds(), new Hubs(Map.copyOf(hubs)),
                    timeline, store);
            serviceApi = ServiceApi.start(dps.admin(), sas, Limits.DEFAULT.maxInFlight());
            port = settings.dpsHttpsPort();
            https = DpsHttpsServer.start(dps, Optional.of(serviceApi), harness::handler, Limits.DEFAULT, faults, tls,
                    protocols, new InetSocketAddress(bindAddress, port), boss, workers, timeline);
            port = settings.dpsMqttPort();
            mqtt = DpsMqttServer.start(dps, tls, protocols, new InetSocketAddress(bindAddress, port), boss, workers,
                    timeline, faults);
            return new EmulatorStack(settings, List.copyOf(ips), pki, tls, loops, dps,
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hubs)), https, mqtt, faults,
                    serviceApi, harness);
        } catch (IOException | RuntimeException e) {
            hubs.values().forEach(IotHubEmulator::close);
            if (https != null) {
                https.close();
            }
            if (mqtt != null) {
                mqtt.close();
            }
            if (serviceApi != null) {
                serviceApi.close();
            }
            if (dps != null) {
                dps.close();
            } else {
                store.close();
            }
            loops.close();
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

    /** The IPv4 addresses of this machine's interfaces that are up: what a listener on 0.0.0.0 answers on. */
    private static List<String> interfaceAddresses() {
        List<String> out = new ArrayList<>();
        try {
            for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        out.add(a.getHostAddress());
                    }
                }
            }
        } catch (java.net.SocketException e) {
            // no interface list: the certificate still names the configured hosts and 127.0.0.1
        }
        return out;
    }

    /**
     * The IP addresses devices may use for this stack: the listeners answer on them and the server certificate names
     * them (with bind 0.0.0.0, every interface's). Host names given in the settings are in the certificate too.
     */
    public List<String> serverAddresses() {
        String bind = settings.bind();
        if (bind.equals("0.0.0.0") || bind.equals("::")) {
            return certificateIps;
        }
        return List.of(bind);
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
        return loops.boss();
    }

    public EventLoopGroup workers() {
        return loops.workers();
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

    /** The faults features inject, and the run's rate limits. */
    public FaultPlan faults() {
        return faults;
    }

    /** The REST service API's host names and shared access policies (their keys are secrets). */
    public ServiceSas serviceSas() {
        return serviceApi.sas();
    }

    /**
     * From now on the DPS HTTPS port also serves the emulator's own /firstboot paths (its event stream and the
     * controls a harness needs beyond the service API) behind the service SAS, on {@code backend} and {@code events}
     * (the sink this stack was started with).
     */
    public void serveHarnessApi(dev.firstboot.rig.Backend backend, EventBuffer events) {
        harness.set(new HarnessApi(backend, events, serviceApi.sas(), loops.workers()));
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
        serviceApi.close();
        harness.close();
        loops.close();
        dps.close();
    }
}
