package dev.firstboot.service.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.dps.EnrollmentDocuments;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link Backend} on a {@code firstboot emulator} that is already running, on this host or another: steps enroll
 * through its REST service API (the real service's JSON shapes), controls and wire evidence go to its /firstboot
 * paths, and its timeline arrives over its event stream and goes on the rig's timeline at the time each event
 * happened (its {@code nanoTime} moved onto this process's clock by {@link ClockOffset}). Before a query it waits
 * until the stream has delivered everything the emulator recorded, so a step never judges a late timeline.
 */
public final class EmulatorBackend implements Backend {
    private static final Duration SYNC_DEADLINE = Duration.ofSeconds(10);

    /**
     * @param dps              the DPS HTTPS endpoint (device and service API), as devices and the harness reach it
     * @param connectionString the service connection string (a secret)
     * @param ca               the CA the emulator's server certificates chain to
     * @param idScope          the ID scope the rig expects, or empty for the emulator's
     * @param hubReach         hub name → where hubs are reached, when not at the host and port the emulator gives
     *                         (a {@code *.localhost} hub host is reached at the DPS host)
     * @param dpsMqtt          where DPS MQTT is reached, when not at the DPS host and the emulator's MQTT port
     * @param retryAfter       the retry-after each scenario starts with, or empty for the emulator's own
     */
    public record Settings(String kind, URI dps, String connectionString, X509Certificate ca,
                           Optional<String> idScope, Map<String, InetSocketAddress> hubReach,
                           Optional<InetSocketAddress> dpsMqtt, Optional<Duration> retryAfter) {
        public Settings {
            hubReach = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hubReach));
        }

        @Override
        public String toString() {
            return "Settings[kind=" + kind + ", dps=" + dps + ", connectionString=«masked»]";
        }
    }

    private final Settings settings;
    private final ServiceConnection connection;
    private final TimelineSink timeline;
    private final DeviceEndpoints endpoints;
    private final Map<String, String> hubHosts;
    private final ClockOffset clock;
    private final EventStreamClient stream;
    private final Runnable onClose;
    private Duration retryAfter;
    private final Duration scenarioRetryAfter;
    /** Events up to this number belong to an earlier scenario: late ones are dropped, not put on the new one. */
    private volatile long notAfterReset;
    private boolean closed;

    private EmulatorBackend(Settings settings, ServiceConnection connection, TimelineSink timeline,
                            DeviceEndpoints endpoints, Map<String, String> hubHosts, ClockOffset clock, long lastSeq,
                            Duration retryAfter, Runnable onClose) {
        this.settings = settings;
        this.connection = connection;
        this.timeline = timeline;
        this.endpoints = endpoints;
        this.hubHosts = hubHosts;
        this.clock = clock;
        this.onClose = onClose;
        this.scenarioRetryAfter = retryAfter;
        this.retryAfter = retryAfter;
        this.notAfterReset = lastSeq;
        this.stream = new EventStreamClient(connection, lastSeq, this::onEvent);
    }

    /**
     * Connects: reads the emulator's ID scope and hubs, measures the clock offset, and starts the event stream
     * from now on.
     *
     * @param onClose runs on {@link #close()} (the containers backend stops its container there)
     * @throws IllegalStateException or IllegalArgumentException with what failed and what to check
     */
    public static EmulatorBackend connect(Settings settings, TimelineSink timeline, Runnable onClose) {
        ServiceConnection connection = ServiceConnection.of(settings.dps(), settings.connectionString(), settings.ca());
        JsonNode info = connection.call("GET", "/firstboot/info", null);
        String idScope = info.path("idScope").asText();
        if (settings.idScope().isPresent() && !settings.idScope().get().equals(idScope)) {
            throw new IllegalArgumentException("the rig's id-scope is " + settings.idScope().get()
                    + " but the emulator at " + settings.dps() + " serves " + idScope + "; make them equal (or leave"
                    + " id-scope out to take the emulator's)");
        }
        Map<String, String> hubHosts = new LinkedHashMap<>();
        Map<String, InetSocketAddress> reach = new LinkedHashMap<>();
        for (JsonNode h : info.path("hubs")) {
            String name = h.path("name").asText();
            String host = h.path("host").asText();
            hubHosts.put(name, host);
            // A *.localhost name (RFC 6761, what the emulator's defaults use) means "on the emulator's machine":
            // reach it where DPS is, since this machine's resolver may not know such names.
            String reachHost = host.toLowerCase(java.util.Locale.ROOT).endsWith(".localhost")
                    ? settings.dps().getHost() : host;
            reach.put(host, settings.hubReach().getOrDefault(name,
                    InetSocketAddress.createUnresolved(reachHost, h.path("port").asInt())));
        }
        for (String name : settings.hubReach().keySet()) {
            if (!hubHosts.containsKey(name)) {
                throw new IllegalArgumentException("the rig names a hub '" + name + "' that the emulator at "
                        + settings.dps() + " does not have; its hubs are " + String.join(", ", hubHosts.keySet()));
            }
        }
        Optional<InetSocketAddress> mqtt = settings.dpsMqtt().or(() -> info.has("dpsMqttPort")
                ? Optional.of(InetSocketAddress.createUnresolved(settings.dps().getHost(),
                info.path("dpsMqttPort").asInt())) : Optional.empty());
        DeviceEndpoints endpoints = new DeviceEndpoints(settings.dps(), idScope, settings.ca(), reach, mqtt);
        ClockOffset clock = ClockOffset.measure(connection);
        Duration retryAfter = settings.retryAfter()
                .orElse(Duration.ofSeconds(info.path("retryAfterSeconds").asLong(1)));
        return new EmulatorBackend(settings, connection, timeline, endpoints,
                java.util.Collections.unmodifiableMap(hubHosts), clock,
                clock.lastSeq(), retryAfter, onClose);
    }

    private void onEvent(JsonNode e) {
        if (e.path("seq").asLong() <= notAfterReset) {
            return;
        }
        Origin origin;
        EventKind kind;
        try {
            origin = Origin.valueOf(e.path("origin").asText());
            kind = EventKind.valueOf(e.path("kind").asText());
        } catch (IllegalArgumentException unknown) {
            return; // an emulator of another harness version: an event kind this one does not know
        }
        if ((kind == EventKind.TLS_HANDSHAKE)
                && ServiceConnection.HARNESS_PEER.equals(e.path("attributes").path("peer").asText())) {
            return; // the harness's own connection to the DPS port, not the device's
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        e.path("attributes").fields().forEachRemaining(f -> attributes.put(f.getKey(), f.getValue().asText()));
        timeline.recordAt(clock.toLocal(e.path("nanoTime").asLong()), origin, kind, e.path("subject").asText(),
                attributes);
    }

    /** Waits until the stream has delivered every event the emulator has recorded so far. */
    private void sync() {
        long last = connection.call("GET", "/firstboot/clock", null).path("lastSeq").asLong();
        try {
            if (!stream.awaitDelivered(last, SYNC_DEADLINE)) {
                throw new IllegalStateException("the emulator at " + settings.dps() + " recorded event " + last
                        + " but its event stream delivered only up to " + stream.delivered() + " within "
                        + SYNC_DEADLINE.toSeconds() + " s" + (stream.lastProblem().isEmpty() ? ""
                        : " (the stream: " + stream.lastProblem() + ")") + "; is the bench network dropping"
                        + " long connections to its HTTPS port?");
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the emulator's events", ie);
        }
    }

    @Override
    public String kind() {
        return settings.kind();
    }

    @Override
    public DeviceEndpoints deviceEndpoints() {
        return endpoints;
    }

    @Override
    public void resetForScenario() {
        JsonNode r = connection.call("POST", "/firstboot/reset", null);
        notAfterReset = r.path("lastSeq").asLong();
        if (!retryAfter.equals(scenarioRetryAfter) || settings.retryAfter().isPresent()) {
            setRetryAfter(scenarioRetryAfter);
        }
        retryAfter = scenarioRetryAfter;
    }

    @Override
    public Set<String> hubNames() {
        return new LinkedHashSet<>(hubHosts.keySet());
    }

    private String hostOf(String hubName) {
        String host = hubHosts.get(hubName);
        if (host == null) {
            throw new IllegalArgumentException("no hub named '" + hubName + "' in this " + kind()
                    + " backend; its hubs are " + String.join(", ", hubHosts.keySet()));
        }
        return host;
    }

    private void put(String collection, String id, ObjectNode doc) {
        connection.call("PUT", "/" + collection + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8)
                .replace("+", "%20") + "?api-version=" + ServiceConnection.API_VERSION, doc);
    }

    @Override
    public void enrollX509Individual(String registrationId, byte[] leafCertificateDer, Optional<String> deviceId,
                                     String hubName, boolean enabled) {
        put("enrollments", registrationId, EnrollmentDocuments.x509Individual(registrationId, leafCertificateDer,
                deviceId, hostOf(hubName), enabled));
    }

    @Override
    public void enrollTpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId,
                                    String hubName, boolean enabled) {
        put("enrollments", registrationId, EnrollmentDocuments.tpmIndividual(registrationId, endorsementKey,
                deviceId, hostOf(hubName), enabled));
    }

    @Override
    public void enrollSymmetricKeyIndividual(String registrationId, byte[] primaryKey, Optional<String> deviceId,
                                             String hubName, boolean enabled) {
        put("enrollments", registrationId, EnrollmentDocuments.symmetricKeyIndividual(registrationId, primaryKey,
                deviceId, hostOf(hubName), enabled));
    }

    @Override
    public void enrollSymmetricKeyGroup(String groupId, byte[] groupKey, String hubName, boolean enabled) {
        put("enrollmentGroups", groupId, EnrollmentDocuments.symmetricKeyGroup(groupId, groupKey, hostOf(hubName),
                enabled));
    }

    @Override
    public void enrollX509Group(String groupId, byte[] caCertificateDer, String hubName, boolean enabled) {
        put("enrollmentGroups", groupId, EnrollmentDocuments.x509Group(groupId, caCertificateDer, hostOf(hubName),
                enabled));
    }

    @Override
    public void tamperActivationBlobs(boolean tamper) {
        connection.call("PUT", "/firstboot/tamper", ServiceConnection.JSON.createObjectNode().put("tamper", tamper));
    }

    @Override
    public Optional<Registration> registration(String registrationId) {
        sync();
        ServiceConnection.Answer a = connection.send("GET", "/firstboot/registrations/"
                + URLEncoder.encode(registrationId, StandardCharsets.UTF_8).replace("+", "%20"), null);
        if (a.status() == 404) {
            return Optional.empty();
        }
        if (a.status() != 200) {
            throw new IllegalStateException("the emulator at " + settings.dps() + " answered " + a.status()
                    + " to GET /firstboot/registrations/" + registrationId + ": " + a.message());
        }
        JsonNode n = a.body();
        List<List<byte[]>> chains = new ArrayList<>();
        for (JsonNode chain : n.path("presentedChains")) {
            List<byte[]> c = new ArrayList<>();
            chain.forEach(der -> c.add(Base64.getDecoder().decode(der.asText())));
            chains.add(c);
        }
        return Optional.of(new Registration(n.path("registrationId").asText(), n.path("status").asText(),
                Optional.ofNullable(n.get("assignedHubHost")).map(JsonNode::asText),
                Optional.ofNullable(n.get("deviceId")).map(JsonNode::asText), chains));
    }

    @Override
    public Optional<HubDeviceState> hubDevice(String hubName, String deviceId) {
        sync();
        ServiceConnection.Answer a = connection.send("GET", "/firstboot/hubs/"
                + URLEncoder.encode(hubName, StandardCharsets.UTF_8) + "/devices/"
                + URLEncoder.encode(deviceId, StandardCharsets.UTF_8).replace("+", "%20"), null);
        if (a.status() == 404) {
            return Optional.empty();
        }
        if (a.status() != 200) {
            throw new IllegalStateException("the emulator at " + settings.dps() + " answered " + a.status()
                    + " to GET /firstboot/hubs/" + hubName + "/devices/" + deviceId + ": " + a.message());
        }
        JsonNode n = a.body();
        return Optional.of(new HubDeviceState(n.path("deviceId").asText(), n.path("connected").asBoolean(),
                n.path("connectCount").asInt(), n.path("telemetryCount").asInt()));
    }

    @Override
    public Optional<String> hubHost(String hubName) {
        return Optional.ofNullable(hubHosts.get(hubName));
    }

    @Override
    public Optional<String> hubNameForHost(String hostName) {
        return hubHosts.entrySet().stream().filter(e -> e.getValue().equalsIgnoreCase(hostName))
                .map(Map.Entry::getKey).findFirst();
    }

    @Override
    public void setRetryAfter(Duration retryAfter) {
        if (retryAfter.isNegative() || retryAfter.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("retry-after is whole seconds from 0 to 300, got "
                    + retryAfter.toMillis() + " ms");
        }
        connection.call("PUT", "/firstboot/retry-after", ServiceConnection.JSON.createObjectNode()
                .put("seconds", retryAfter.toSeconds()));
        this.retryAfter = retryAfter;
    }

    @Override
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            sync();
        } catch (RuntimeException e) {
            // the last events are lost; the run's verdicts were already given
        }
        stream.close();
        onClose.run();
    }
}
