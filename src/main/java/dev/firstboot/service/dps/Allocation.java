package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Which linked hub a device goes to, by its enrollment's allocation policy: hashed (a stable hash of the registration
 * id over the linked hubs), static (the one hub), geoLatency (the stand-in: configured per-hub latencies, lowest wins)
 * or custom (a webhook asked with the real service's request shape, under a deadline).
 */
final class Allocation {
    /** The errorCode of a registration whose custom-allocation webhook failed (no answer, non-2xx, not JSON). */
    static final int WEBHOOK_FAILED = 400207;
    /** The errorCode when no linked hub could be chosen (C: DPS_HUB_ERROR_NO_HUB). */
    static final int NO_HUB = 400208;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HubAssigner hubs;
    private volatile Duration deadline;
    private volatile Map<String, Integer> latencies = Map.of();
    private HttpClient http;

    Allocation(HubAssigner hubs, Duration deadline) {
        this.hubs = hubs;
        this.deadline = deadline;
    }

    void setDeadline(Duration deadline) {
        if (deadline.isNegative() || deadline.isZero() || deadline.toSeconds() > 60) {
            throw new IllegalArgumentException("the webhook deadline must be more than 0 and at most 60 s, got "
                    + deadline.toMillis() + " ms");
        }
        this.deadline = deadline;
    }

    void setLatencies(Map<String, Integer> millisByHub) {
        Map<String, Integer> byHost = new HashMap<>();
        millisByHub.forEach((hub, ms) -> {
            if (ms == null || ms < 0) {
                throw new IllegalArgumentException("hub latency of '" + hub + "' must be 0 or more milliseconds, got "
                        + ms);
            }
            byHost.put(hubs.hostFor(hub), ms);
            byHost.put(hub, ms);
        });
        latencies = Map.copyOf(byHost);
    }

    /** What DPS decided for one registration. */
    sealed interface Decision permits Assigned, Failed {
    }

    record Assigned(String host, Optional<ObjectNode> initialTwin, Optional<JsonNode> payload) implements Decision {
    }

    record Failed(int errorCode, String message) implements Decision {
    }

    /** What a webhook call came to. */
    sealed interface Outcome permits Answered, CallFailed {
    }

    record Answered(JsonNode body) implements Outcome {
    }

    record CallFailed(String why) implements Outcome {
    }

    Decision decide(DpsService.Authenticated who, Optional<Outcome> webhook) {
        ObjectNode doc = who.enrollment().doc();
        List<String> linked = linked(doc);
        for (String host : linked) {
            if (hubs.nameForHost(host).isEmpty()) {
                return new Failed(NO_HUB, "the enrollment links hub '" + host + "', which this DPS does not know");
            }
        }
        if (linked.isEmpty()) {
            return new Failed(NO_HUB, "the enrollment links no IoT hub and the DPS has none");
        }
        String policy = doc.path("allocationPolicy").asText("hashed");
        String id = who.enrollment().registrationId();
        return switch (policy) {
            case "static" -> new Assigned(linked.get(0), Optional.empty(), Optional.empty());
            case "geoLatency" -> new Assigned(linked.stream()
                    .min(Comparator.comparing((String h) -> latencies.getOrDefault(h, Integer.MAX_VALUE))
                            .thenComparing(Comparator.naturalOrder())).orElseThrow(), Optional.empty(),
                    Optional.empty());
            case "custom" -> custom(webhook.orElse(new CallFailed("the webhook was never called")), linked);
            default -> new Assigned(hashed(id, linked), Optional.empty(), Optional.empty());
        };
    }

    /** The linked hubs: the enrollment's iotHubs, else its iotHubHostName, else every hub of the DPS. */
    List<String> linked(ObjectNode doc) {
        List<String> hosts = new ArrayList<>();
        doc.path("iotHubs").forEach(h -> hosts.add(h.asText()));
        if (hosts.isEmpty() && doc.hasNonNull("iotHubHostName")) {
            hosts.add(doc.get("iotHubHostName").asText());
        }
        if (hosts.isEmpty()) {
            hosts.addAll(hubs.linkedHosts());
        }
        return hosts;
    }

    /** The same hub for the same registration id and the same set of linked hubs, whatever their order. */
    static String hashed(String registrationId, List<String> linked) {
        List<String> sorted = linked.stream().sorted().toList();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(registrationId.getBytes(StandardCharsets.UTF_8));
            long n = ((h[0] & 0xffL) << 24) | ((h[1] & 0xffL) << 16) | ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
            return sorted.get((int) (n % sorted.size()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private Decision custom(Outcome outcome, List<String> linked) {
        if (outcome instanceof CallFailed f) {
            return new Failed(WEBHOOK_FAILED, "the custom allocation webhook failed: " + f.why());
        }
        JsonNode body = ((Answered) outcome).body();
        String host = body.path("iotHubHostName").asText("");
        if (!linked.contains(host)) {
            return new Failed(NO_HUB, "the custom allocation webhook answered iotHubHostName '" + host
                    + "', which is not one of the linked hubs " + linked);
        }
        Optional<ObjectNode> twin = body.path("initialTwin").isObject()
                ? Optional.of((ObjectNode) body.get("initialTwin")) : Optional.empty();
        Optional<JsonNode> payload = body.hasNonNull("payload") ? Optional.of(body.get("payload")) : Optional.empty();
        return new Assigned(host, twin, payload);
    }

    /**
     * POSTs the real service's custom-allocation request: the enrollment (individualEnrollment or enrollmentGroup,
     * keys left out), the deviceRuntimeContext and the linkedHubs. Never blocks; the future completes by the deadline.
     */
    CompletableFuture<Outcome> callWebhook(DpsService.Authenticated who, Optional<String> currentHub,
                                           Optional<JsonNode> payload) {
        Duration deadline = this.deadline;
        ObjectNode doc = who.enrollment().doc();
        String url = doc.path("customAllocationDefinition").path("webhookUrl").asText();
        ObjectNode request = JSON.createObjectNode();
        ObjectNode enrollment = doc.deepCopy();
        JsonNode keys = enrollment.path("attestation").path("symmetricKey");
        if (keys.isObject()) {
            ((ObjectNode) keys).remove(List.of("primaryKey", "secondaryKey"));
        }
        request.set(who.enrollmentGroupId().isPresent() ? "enrollmentGroup" : "individualEnrollment", enrollment);
        ObjectNode context = request.putObject("deviceRuntimeContext");
        context.put("registrationId", who.enrollment().registrationId());
        currentHub.ifPresent(h -> context.put("currentIotHubHostName", h));
        switch (who.enrollment().attestation()) {
            case TPM -> context.putObject("tpm");
            case SYMMETRIC_KEY -> context.putObject("symmetricKey");
            default -> context.putObject("x509");
        }
        payload.ifPresent(p -> context.set("payload", p));
        ArrayNode linkedHubs = request.putArray("linkedHubs");
        linked(doc).forEach(linkedHubs::add);
        HttpRequest post;
        try {
            post = HttpRequest.newBuilder(URI.create(url)).timeout(deadline)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(request.toString())).build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new CallFailed("the webhook URL is not usable: " + e.getMessage()));
        }
        return client().sendAsync(post, HttpResponse.BodyHandlers.ofString())
                .orTimeout(deadline.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS)
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error.getCause() != null ? error.getCause() : error;
                        return new CallFailed("no answer from " + url + " within " + deadline.toMillis() + " ms ("
                                + cause.getClass().getSimpleName() + ")");
                    }
                    if (response.statusCode() / 100 != 2) {
                        return new CallFailed(url + " answered HTTP " + response.statusCode());
                    }
                    try {
                        JsonNode body = JSON.readTree(response.body());
                        if (body == null || !body.isObject()) {
                            return new CallFailed(url + " answered something other than a JSON object");
                        }
                        return new Answered(body);
                    } catch (IOException e) {
                        return new CallFailed(url + " answered a body that is not JSON");
                    }
                });
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(deadline).followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        return http;
    }
}
