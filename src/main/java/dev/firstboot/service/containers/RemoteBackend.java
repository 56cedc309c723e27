package dev.firstboot.service.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * A {@link Backend} whose emulators run in a container ({@code firstboot rig-emulator}), driven over the rig control
 * API. The emulators' timeline events are pulled onto the rig's timeline at the time they happened: by a background
 * long-poll, and before every query so a step never judges a timeline the container has not delivered yet.
 */
final class RemoteBackend implements Backend {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);
    private static final long EVENT_WAIT_MS = 500;

    private final FirstbootEmulatorContainer container;
    private final HttpClient http;
    private final URI control;
    private final String token;
    private final TimelineSink timeline;
    private final DeviceEndpoints endpoints;
    private final List<String> hubNames;
    private final Map<String, String> hubHosts;
    private final Thread eventPump;
    private long lastEvent;
    private Duration retryAfter;
    private final Duration configuredRetryAfter;
    private volatile boolean closed;
    /** Events from before the last reset belong to the last scenario: late ones are dropped, not put on the new one. */
    private long notBefore = Long.MIN_VALUE;

    RemoteBackend(FirstbootEmulatorContainer container, String token, TimelineSink timeline, List<String> hubNames,
                  Duration retryAfter) {
        this.container = container;
        this.token = token;
        this.timeline = timeline;
        this.hubNames = List.copyOf(hubNames);
        this.retryAfter = retryAfter;
        this.configuredRetryAfter = retryAfter;
        X509Certificate ca = container.getCaCertificate();
        this.http = HttpClient.newBuilder().sslContext(TestPki.clientContextTrusting(ca, Optional.empty()))
                .connectTimeout(REQUEST_DEADLINE).build();
        this.control = container.controlEndpoint();
        Map<String, String> hosts = container.getHubHosts();
        this.hubHosts = Map.copyOf(hosts);
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        hosts.forEach((name, host) -> addresses.put(host, container.getHubAddress(name)));
        this.endpoints = new DeviceEndpoints(container.getDpsEndpoint(), container.getIdScope(), ca, addresses,
                container.getDpsMqttAddress());
        this.eventPump = new Thread(this::pumpEvents, "firstboot-container-events");
        eventPump.setDaemon(true);
        eventPump.start();
    }

    private void pumpEvents() {
        while (!closed) {
            try {
                pullEvents(EVENT_WAIT_MS);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                // the container may be busy or stopping; back off briefly (not a synchronisation: queries pull too)
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
            }
        }
    }

    /**
     * Moves every event the container has after the last one seen onto the rig's timeline, in order. The fetch (which
     * may wait) holds no lock; events another fetch already delivered are skipped.
     */
    private void pullEvents(long waitMillis) {
        long after;
        synchronized (this) {
            after = lastEvent;
        }
        JsonNode events = call("GET", "events?after=" + after + "&wait=" + waitMillis, null, true).orElseThrow();
        synchronized (this) {
            for (JsonNode e : events) {
                long seq = e.path("seq").asLong();
                if (seq <= lastEvent) {
                    continue;
                }
                lastEvent = seq;
                if (e.path("nanoTime").asLong() < notBefore) {
                    continue;
                }
                Map<String, String> attributes = new LinkedHashMap<>();
                e.path("attributes").fields().forEachRemaining(f -> attributes.put(f.getKey(), f.getValue().asText()));
                try {
                    Origin origin = Origin.valueOf(e.path("origin").asText());
                    EventKind kind = EventKind.valueOf(e.path("kind").asText());
                    timeline.recordAt(e.path("nanoTime").asLong(), origin, kind, e.path("subject").asText(), attributes);
                } catch (IllegalArgumentException unknown) {
                    // an image from another harness version: an event kind, or details, this one does not know
                }
            }
        }
    }

    private void syncEvents() {
        pullEvents(0);
    }

    private Optional<JsonNode> call(String method, String path, JsonNode body, boolean wantBody) {
        HttpRequest.Builder request = HttpRequest.newBuilder(control.resolve("/control/" + path))
                .timeout(REQUEST_DEADLINE.plusMillis(EVENT_WAIT_MS))
                .header(ControlServer.TOKEN_HEADER, token)
                .header("Content-Type", "application/json");
        try {
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            int status = response.statusCode();
            if (status == 404 && method.equals("GET")) {
                return Optional.empty();
            }
            if (status == 400) {
                throw new IllegalArgumentException(JSON.readTree(response.body()).path("message").asText());
            }
            if (status / 100 != 2) {
                throw new IllegalStateException("the emulator container answered HTTP " + status + " to " + method
                        + " /control/" + path.replaceAll("\\?.*", "") + "; its log: docker logs "
                        + container.getContainerId());
            }
            return Optional.of(wantBody && response.body().length > 0 ? JSON.readTree(response.body())
                    : JSON.createObjectNode());
        } catch (IOException e) {
            throw new UncheckedIOException("the emulator container's control API did not answer " + method + " /control/"
                    + path.replaceAll("\\?.*", "") + " within " + REQUEST_DEADLINE.toSeconds() + " s: " + e.getMessage()
                    + "; is the container still running? docker ps -a", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling the emulator container", e);
        }
    }

    @Override
    public String kind() {
        return "containers";
    }

    @Override
    public DeviceEndpoints deviceEndpoints() {
        return endpoints;
    }

    @Override
    public void resetForScenario() {
        call("POST", "reset", null, false);
        syncEvents();
        synchronized (this) {
            notBefore = System.nanoTime();
        }
        retryAfter = configuredRetryAfter;
    }

    @Override
    public Set<String> hubNames() {
        return new LinkedHashSet<>(hubNames);
    }

    private void enroll(String kind, String registrationId, byte[] key, Optional<String> deviceId, String hub,
                        boolean enabled) {
        requireHub(hub);
        ObjectNode body = JSON.createObjectNode();
        body.put("registrationId", registrationId);
        body.put("key", Base64.getEncoder().encodeToString(key));
        deviceId.ifPresent(d -> body.put("deviceId", d));
        body.put("hub", hub);
        body.put("enabled", enabled);
        call("POST", "enrollments/" + kind, body, false);
    }

    private void requireHub(String hubName) {
        if (!hubNames.contains(hubName)) {
            throw new IllegalArgumentException("no hub named '" + hubName + "' in this rig; its hubs are "
                    + String.join(", ", hubNames));
        }
    }

    @Override
    public void enrollX509Individual(String registrationId, byte[] leafCertificateDer, Optional<String> deviceId,
                                     String hubName, boolean enabled) {
        enroll("x509", registrationId, leafCertificateDer, deviceId, hubName, enabled);
    }

    @Override
    public void enrollTpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId,
                                    String hubName, boolean enabled) {
        enroll("tpm", registrationId, endorsementKey, deviceId, hubName, enabled);
    }

    @Override
    public void enrollSymmetricKeyIndividual(String registrationId, byte[] primaryKey, Optional<String> deviceId,
                                             String hubName, boolean enabled) {
        enroll("symmetric-key", registrationId, primaryKey, deviceId, hubName, enabled);
    }

    @Override
    public void enrollSymmetricKeyGroup(String groupId, byte[] groupKey, String hubName, boolean enabled) {
        requireHub(hubName);
        ObjectNode body = JSON.createObjectNode();
        body.put("groupId", groupId);
        body.put("key", Base64.getEncoder().encodeToString(groupKey));
        body.put("hub", hubName);
        body.put("enabled", enabled);
        call("POST", "enrollment-groups/symmetric-key", body, false);
    }

    @Override
    public void tamperActivationBlobs(boolean tamper) {
        call("PUT", "tamper", JSON.createObjectNode().put("tamper", tamper), false);
    }

    @Override
    public Optional<Registration> registration(String registrationId) {
        syncEvents();
        return call("GET", "registrations/" + registrationId, null, true).map(n -> {
            List<List<byte[]>> chains = new ArrayList<>();
            for (JsonNode chain : n.path("presentedChains")) {
                List<byte[]> c = new ArrayList<>();
                chain.forEach(der -> c.add(Base64.getDecoder().decode(der.asText())));
                chains.add(c);
            }
            return new Registration(n.path("registrationId").asText(), n.path("status").asText(),
                    Optional.ofNullable(n.get("assignedHubHost")).map(JsonNode::asText),
                    Optional.ofNullable(n.get("deviceId")).map(JsonNode::asText), chains);
        });
    }

    @Override
    public Optional<HubDeviceState> hubDevice(String hubName, String deviceId) {
        syncEvents();
        return call("GET", "hubs/" + hubName + "/devices/" + deviceId, null, true)
                .map(n -> new HubDeviceState(n.path("deviceId").asText(), n.path("connected").asBoolean(),
                        n.path("connectCount").asInt(), n.path("telemetryCount").asInt()));
    }

    @Override
    public Optional<String> hubHost(String hubName) {
        return Optional.ofNullable(hubHosts.get(hubName));
    }

    @Override
    public Optional<String> hubNameForHost(String hostName) {
        return hubHosts.entrySet().stream().filter(e -> e.getValue().equalsIgnoreCase(hostName)).map(Map.Entry::getKey)
                .findFirst();
    }

    @Override
    public void setRetryAfter(Duration retryAfter) {
        if (retryAfter.isNegative() || retryAfter.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("retry-after is whole seconds from 0 to 300, got "
                    + retryAfter.toMillis() + " ms");
        }
        call("PUT", "retry-after", JSON.createObjectNode().put("seconds", retryAfter.toSeconds()), false);
        this.retryAfter = retryAfter;
    }

    @Override
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        eventPump.interrupt();
        try {
            eventPump.join(Duration.ofSeconds(3).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        container.stop();
    }
}
