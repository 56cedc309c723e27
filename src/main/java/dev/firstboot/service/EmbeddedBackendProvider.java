package dev.firstboot.service;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.BackendProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.hub.IotHubEmulator;

import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code kind: embedded}: the DPS and IoT Hub emulators, in-process on ephemeral loopback ports.
 * <pre>
 * backend:
 *   kind: embedded
 *   id-scope: 0ne00FB0001   # default
 *   retry-after: 1s         # whole seconds, 0 to 300; default 1s
 *   hubs: [hub-a]           # default; names are a-z, 0-9 and '-'
 *   faults:                 # optional rate limits for the whole run (features inject the rest)
 *     registrations-per-minute: 1000   # 0 (default) is off; the real service allows 1,000 per unit
 *     polling-limit: true              # 5 status polls per 10 s per device, as DPS; default false
 *   seed: enrollments.yaml  # optional: enrollments, groups and CA certificates loaded at start and on each reset
 *   hub-latency:            # optional: the geoLatency stand-in, milliseconds per hub; lowest wins
 *     hub-a: 40
 *   addresses: shared       # default: every listener on 127.0.0.1, hubs named {name}.localhost;
 *                           # per-part: DPS and each hub on a loopback address of its own (127.x.y.z, new each
 *                           # run), hubs assigned by that IP literal, every hub on one port (device programs)
 *   ports: ephemeral        # default; stock: DPS HTTPS 443, DPS MQTT 8883, hub MQTT 8883 (needs root; implies
 *                           # addresses: per-part), for stock SDKs that cannot be given a port; or a block
 *                           # {dps-https: 0, dps-mqtt: 8883, hub-mqtt: 8883} (0: ephemeral; implies per-part)
 * </pre>
 */
public final class EmbeddedBackendProvider implements BackendProvider {
    public static final List<String> DEFAULT_HUBS = List.of("hub-a");
    private static final int SPREAD_ATTEMPTS = 3;

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public Set<String> capabilityTags() {
        return Set.of("x509", "mqtt", "faults", Backend.WIRE);
    }

    @Override
    public String description() {
        return "DPS and IoT Hub emulators in-process on ephemeral loopback ports";
    }

    /** Fresh loopback addresses for each try: a clash on one (another program took it) is tried again elsewhere. */
    private static Backend startSpread(EmbeddedBackend.Settings settings, LoopbackLayout.Ports ports,
                                       TimelineSink sink, EmbeddedBackend.Shared shared)
            throws RigException {
        RigException last = null;
        for (int attempt = 0; attempt < SPREAD_ATTEMPTS; attempt++) {
            EmbeddedBackend.Settings spread;
            try {
                spread = LoopbackLayout.spread(settings, ports);
            } catch (java.io.IOException e) {
                throw new RigException("the embedded backend found no free port on a loopback address of its own ("
                        + e.getMessage() + "); is loopback networking available?", e);
            }
            try {
                return EmbeddedBackend.start(spread, sink, shared);
            } catch (RigException e) {
                if (!(e.getCause() instanceof EmulatorStack.StartFailure f) || f.portInUse().isEmpty()
                        || !String.valueOf(f.getMessage()).contains("already in use")) {
                    throw ports.privileged() ? new RigException(e.getMessage() + " (the backend's ports " + ports
                            + " include one below 1024, which needs root or CAP_NET_BIND_SERVICE; run as root, or"
                            + " remove 'ports: stock' so the device is given ephemeral ports in its variables)", e) : e;
                }
                last = e;
            }
        }
        throw last;
    }

    /** {@code ports:} ephemeral (default), stock, or a block of dps-https, dps-mqtt and hub-mqtt (0: ephemeral). */
    private static LoopbackLayout.Ports ports(PartConfig config) throws RigException {
        if (!config.has("ports") || config.isSingleValue("ports")) {
            String name = config.string("ports", "ephemeral");
            return switch (name) {
                case "ephemeral" -> LoopbackLayout.Ports.EPHEMERAL;
                case "stock" -> LoopbackLayout.Ports.STOCK;
                default -> throw config.error("ports", "expected ephemeral (the default), stock (DPS HTTPS 443,"
                        + " MQTT 8883, hub 8883, for stock SDKs) or a block like {dps-https: 0, dps-mqtt: 8883,"
                        + " hub-mqtt: 8883}, got \"" + name + "\"");
            };
        }
        PartConfig p = config.section("ports").orElseThrow();
        p.allowOnly("dps-https", "dps-mqtt", "hub-mqtt");
        LoopbackLayout.Ports ports = new LoopbackLayout.Ports(p.port("dps-https", 0), p.port("dps-mqtt", 0),
                p.port("hub-mqtt", 0));
        if (ports.dpsHttps() != 0 && ports.dpsHttps() == ports.dpsMqtt()) {
            throw p.error("dps-mqtt", "DPS HTTPS and MQTT share one address, so they need two ports; got "
                    + ports.dpsMqtt() + " for both");
        }
        return ports;
    }

    @Override
    public Spec<Backend> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "id-scope", "retry-after", "hubs", "faults", "seed", "hub-latency", "wire-evidence",
                "addresses", "ports");
        String idScope = BackendFields.idScope(config).orElse(BackendFields.DEFAULT_ID_SCOPE);
        Duration retryAfter = BackendFields.retryAfter(config).orElse(BackendFields.DEFAULT_RETRY_AFTER);
        List<String> hubs = config.has("hubs") ? config.strings("hubs") : DEFAULT_HUBS;
        if (hubs.isEmpty()) {
            throw config.error("hubs", "expected at least one hub name, like [hub-a]");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String hub : hubs) {
            if (!IotHubEmulator.NAME.matcher(hub).matches()) {
                throw config.error("hubs", "a hub name is 1 to 50 of a-z, 0-9 and '-', got \"" + hub + "\"");
            }
            if (!unique.add(hub)) {
                throw config.error("hubs", "hub \"" + hub + "\" is listed twice");
            }
        }
        FaultPlan.RateLimits limits = FaultPlan.RateLimits.NONE;
        Optional<PartConfig> faults = config.section("faults");
        if (faults.isPresent()) {
            PartConfig f = faults.get();
            f.allowOnly("registrations-per-minute", "polling-limit");
            limits = new FaultPlan.RateLimits(f.integer("registrations-per-minute", 0, 0, 1_000_000),
                    f.bool("polling-limit", false));
        }
        Optional<Path> seed = config.has("seed") ? Optional.of(config.existingFile("seed")) : Optional.empty();
        Map<String, Integer> latencies = new LinkedHashMap<>();
        Optional<PartConfig> latency = config.section("hub-latency");
        if (latency.isPresent()) {
            latency.get().allowOnly(unique.toArray(String[]::new));
            for (String hub : unique) {
                if (latency.get().has(hub)) {
                    latencies.put(hub, latency.get().integer(hub, 0, 0, 60_000));
                }
            }
        }
        // Off, the emulators keep their events to themselves, as a DPS that offers only its service API does: the
        // judges then have service observations alone, and scenarios that need wire evidence are not applicable.
        boolean wire = config.bool("wire-evidence", true);
        EmbeddedBackend.Settings settings = new EmbeddedBackend.Settings(idScope, (int) retryAfter.toSeconds(),
                List.copyOf(unique), seed, latencies, limits);
        LoopbackLayout.Ports ports = ports(config);
        boolean fixedPorts = !ports.equals(LoopbackLayout.Ports.EPHEMERAL);
        String addresses = config.string("addresses", fixedPorts ? "per-part" : "shared");
        if (!addresses.equals("shared") && !addresses.equals("per-part")) {
            throw config.error("addresses", "expected shared (the default) or per-part (a loopback address for DPS"
                    + " and each hub), got \"" + addresses + "\"");
        }
        if (fixedPorts && addresses.equals("shared")) {
            throw config.error("addresses", "fixed ports put DPS and every hub on the same port numbers, so each"
                    + " needs an address of its own; drop 'addresses: shared' (fixed ports imply per-part)");
        }
        boolean perPart = addresses.equals("per-part");
        return new Spec<>() {
            /** Made at the first start: each later start is another tenant of the same backend. */
            private EmbeddedBackend.Shared shared;

            private synchronized EmbeddedBackend.Shared shared() {
                if (shared == null) {
                    shared = EmbeddedBackend.Shared.create();
                }
                return shared;
            }


            @Override
            public int instances() {
                return Integer.MAX_VALUE;
            }
            @Override
            public Set<String> capabilities() {
                return wire ? Set.of("x509", "mqtt", "faults", Backend.WIRE) : Set.of("x509", "mqtt", "faults");
            }

            @Override
            public Backend start(RigContext context) throws RigException {
                TimelineSink all = context.timeline();
                // With wire evidence, the SAS tokens the emulators see become the run's secrets: a device that prints
                // its signature is caught, and it is masked. Without, they stay unknown, as on the real service, and
                // only a token printed with its sig= is caught.
                TimelineSink sink = new TimelineSink() {
                    @Override
                    public void record(Origin origin, EventKind kind, String subject, Map<String, String> details) {
                        if (wire || origin != Origin.SERVICE) {
                            all.record(origin, kind, subject, details);
                        }
                    }

                    @Override
                    public void recordAt(long nanoTime, Origin origin, EventKind kind, String subject,
                                         Map<String, String> details) {
                        if (wire || origin != Origin.SERVICE) {
                            all.recordAt(nanoTime, origin, kind, subject, details);
                        }
                    }

                    @Override
                    public void sasTokenSeen(String token) {
                        if (wire) {
                            context.redactor().registerSasToken(token);
                        }
                    }
                };
                if (!perPart) {
                    return EmbeddedBackend.start(settings, sink, shared());
                }
                return startSpread(settings, ports, sink, shared());
            }
        };
    }
}
