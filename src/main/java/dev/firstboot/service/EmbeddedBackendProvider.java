package dev.firstboot.service;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.BackendProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.hub.IotHubEmulator;

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
import java.util.regex.Pattern;

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
 * </pre>
 */
public final class EmbeddedBackendProvider implements BackendProvider {
    public static final String DEFAULT_ID_SCOPE = "0ne00FB0001";
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    public static final List<String> DEFAULT_HUBS = List.of("hub-a");
    private static final Pattern ID_SCOPE = Pattern.compile("[A-Za-z0-9]{1,32}");

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

    @Override
    public Spec<Backend> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "id-scope", "retry-after", "hubs", "faults", "seed", "hub-latency", "wire-evidence");
        String idScope = config.string("id-scope", DEFAULT_ID_SCOPE);
        if (!ID_SCOPE.matcher(idScope).matches()) {
            throw config.error("id-scope", "expected an ID scope of letters and digits like " + DEFAULT_ID_SCOPE
                    + ", got \"" + idScope + "\"");
        }
        Duration retryAfter = config.duration("retry-after", DEFAULT_RETRY_AFTER);
        if (retryAfter.toMillis() % 1000 != 0 || retryAfter.toSeconds() > DpsService.MAX_RETRY_AFTER_SECONDS) {
            throw config.error("retry-after", "DPS sends retry-after in whole seconds from 0 to "
                    + DpsService.MAX_RETRY_AFTER_SECONDS + ", got " + retryAfter.toMillis() + " ms; try 0s or 1s");
        }
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
        FaultPlan.Limits limits = FaultPlan.Limits.NONE;
        Optional<PartConfig> faults = config.section("faults");
        if (faults.isPresent()) {
            PartConfig f = faults.get();
            f.allowOnly("registrations-per-minute", "polling-limit");
            limits = new FaultPlan.Limits(f.integer("registrations-per-minute", 0, 0, 1_000_000),
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
        return new Spec<>() {
            @Override
            public Set<String> capabilities() {
                return wire ? Set.of("x509", "mqtt", "faults", Backend.WIRE) : Set.of("x509", "mqtt", "faults");
            }

            @Override
            public Backend start(RigContext context) throws RigException {
                TimelineSink sink = context.timeline();
                return EmbeddedBackend.start(settings, wire ? sink : (origin, kind, subject, details) -> {
                    if (origin != Origin.SERVICE) {
                        sink.record(origin, kind, subject, details);
                    }
                });
            }
        };
    }
}
