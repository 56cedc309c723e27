package dev.firstboot.service;

import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.rig.RigException;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.dps.EnrollmentSeed;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.timeline.TimelineSink;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded rig's {@link Backend}: an adapter over one {@link EmulatorStack} on a per-run CA, ephemeral loopback
 * ports unless told otherwise, an in-memory enrollment store, the REST service API with a random owner key, the
 * seed and hub latencies put back after every scenario reset.
 */
final class EmbeddedBackend extends StackBackend {
    private static final String LOOPBACK = "127.0.0.1";
    private static final int IO_THREADS = 2;

    private final Settings settings;

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
                    Map<String, Integer> hubLatencies, FaultPlan.RateLimits limits, Bind dpsHttps, Bind dpsMqtt,
                    Map<String, HubBind> hubBinds) {
        Settings {
            hubNames = List.copyOf(hubNames);
            hubLatencies = Map.copyOf(hubLatencies);
            hubBinds = Map.copyOf(hubBinds);
            if (!dpsHttps.address().equals(dpsMqtt.address())) {
                throw new IllegalArgumentException("DPS HTTPS and MQTT listen on one address; got "
                        + dpsHttps.address() + " and " + dpsMqtt.address() + ". Give both the same address");
            }
            for (String hub : hubBinds.keySet()) {
                if (!hubNames.contains(hub)) {
                    throw new IllegalArgumentException("a bind address is set for hub '" + hub
                            + "', which is not one of this rig's hubs " + hubNames);
                }
            }
        }

        Settings(String idScope, int retryAfterSeconds, List<String> hubNames, Optional<java.nio.file.Path> seed,
                 Map<String, Integer> hubLatencies, FaultPlan.RateLimits limits) {
            this(idScope, retryAfterSeconds, hubNames, seed, hubLatencies, limits, Bind.EPHEMERAL, Bind.EPHEMERAL,
                    Map.of());
        }

        Settings(String idScope, int retryAfterSeconds, List<String> hubNames, Optional<java.nio.file.Path> seed,
                 Map<String, Integer> hubLatencies) {
            this(idScope, retryAfterSeconds, hubNames, seed, hubLatencies, FaultPlan.RateLimits.NONE);
        }

        /** Given listeners, no seed, no latencies, no limits. */
        Settings(String idScope, int retryAfterSeconds, List<String> hubNames, Bind dpsHttps, Bind dpsMqtt,
                 Map<String, HubBind> hubBinds) {
            this(idScope, retryAfterSeconds, hubNames, Optional.empty(), Map.of(), FaultPlan.RateLimits.NONE, dpsHttps,
                    dpsMqtt, hubBinds);
        }

        /** Every listener on an ephemeral port on 127.0.0.1, hubs named {@code {name}.localhost}. */
        Settings(String idScope, int retryAfterSeconds, List<String> hubNames) {
            this(idScope, retryAfterSeconds, hubNames, Optional.empty(), Map.of(), FaultPlan.RateLimits.NONE);
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

    private EmbeddedBackend(Settings settings, EmulatorStack stack) {
        super(stack, settings.retryAfterSeconds());
        this.settings = settings;
    }

    /**
     * What the tenants of one embedded backend share, one tenant per lane of scenarios in parallel: the run's CA (so
     * one server identity is issued from it) and the event loops. Everything a verdict reads stays per tenant.
     */
    record Shared(TestPki pki, EventLoops loops) {
        static Shared create() {
            return new Shared(TestPki.create(), new EventLoops(IO_THREADS));
        }
    }

    /** An {@link EmulatorStack} laid out as {@code settings} says, seeded, on a fresh per-run CA and owner key. */
    static EmbeddedBackend start(Settings settings, TimelineSink timeline) throws RigException {
        return start(settings, timeline, Shared.create());
    }

    /**
     * A tenant of a backend: its own listeners, enrollment store, hub registries, fault plan and owner key, on the
     * CA and event loops of {@code shared}.
     */
    static EmbeddedBackend start(Settings settings, TimelineSink timeline, Shared shared) throws RigException {
        List<EmulatorStack.Hub> hubs = new ArrayList<>();
        for (String name : settings.hubNames()) {
            HubBind bind = settings.hub(name);
            hubs.add(new EmulatorStack.Hub(name, bind.hostName(), Optional.of(bind.address()), bind.port()));
        }
        EmulatorStack stack;
        try {
            stack = EmulatorStack.start(new EmulatorStack.Settings(settings.idScope(), "localhost",
                    settings.dpsHttps().address(), settings.dpsHttps().port(), settings.dpsMqtt().port(), hubs,
                    settings.retryAfterSeconds(), IO_THREADS, settings.limits(), List.of()), shared.pki(),
                    dev.firstboot.service.dps.store.EnrollmentStore.inMemory(), timeline, shared.loops());
        } catch (EmulatorStack.StartFailure e) {
            throw new RigException("the embedded DPS and hub emulators did not start: " + e.getMessage()
                    + ". Is loopback networking available, and is no other process on a fixed port you set?", e);
        }
        try {
            configure(stack.dps(), settings);
        } catch (RigException | RuntimeException e) {
            stack.close();
            throw e;
        }
        return new EmbeddedBackend(settings, stack);
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

    /** The enrollment service of this rig's DPS (documents, groups, CA certificates, registration records). */
    public EnrollmentAdmin enrollmentAdmin() {
        return dps.admin();
    }

    /**
     * The connection string of this run's random {@value ServiceSas#OWNER_POLICY} key, for the REST service API on
     * the DPS HTTPS listener. A secret: never log it.
     */
    public String serviceConnectionString() {
        return stack.serviceSas().connectionString("localhost", ServiceSas.OWNER_POLICY);
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public DeviceEndpoints deviceEndpoints() {
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        hubs.values().forEach(h -> addresses.put(h.host(), dialable(h.address())));
        InetSocketAddress https = dialable(stack.dpsHttpsAddress());
        String httpsHost = https.getAddress().getHostAddress();
        return new DeviceEndpoints(URI.create("https://" + (httpsHost.equals(LOOPBACK) ? "localhost" : httpsHost)
                + ":" + https.getPort()), dps.idScope(), stack.pki().caCertificate(), addresses,
                Optional.of(dialable(stack.dpsMqttAddress())));
    }

    /** A listener's address as a device dials it: a wildcard bind is reached on 127.0.0.1. */
    private static InetSocketAddress dialable(InetSocketAddress bound) {
        return bound.getAddress().isAnyLocalAddress() ? new InetSocketAddress(LOOPBACK, bound.getPort()) : bound;
    }

    /** The emulator behind hub {@code name}, for tests that drive the cloud side (C2D, direct methods). */
    Optional<IotHubEmulator> hub(String name) {
        return Optional.ofNullable(hubs.get(name));
    }

    /** As every stack backend resets, then the seed and the hub latencies again. */
    @Override
    public void resetForScenario() {
        super.resetForScenario();
        try {
            configure(dps, settings);
        } catch (RigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
