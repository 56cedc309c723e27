package dev.firstboot.service.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.firstboot.rig.Backend;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The rig control API of {@code firstboot rig-emulator}: the harness's {@link Backend} operations over HTTPS, so the
 * {@code containers} rig can drive emulators in a container as the embedded rig drives them in-process. Every request
 * carries the per-container token in {@value #TOKEN_HEADER}; the paths are ours (not an Azure API):
 * <pre>
 * POST /control/reset                      GET /control/events?after=SEQ&amp;wait=MS
 * PUT  /control/retry-after {seconds}      PUT /control/tamper {tamper}
 * POST /control/enrollments/{x509|tpm|symmetric-key} {registrationId, key (base64), deviceId?, hub, enabled}
 * POST /control/enrollment-groups/symmetric-key {groupId, key, hub, enabled}
 * GET  /control/registrations/{id}         GET /control/hubs/{hub}/devices/{deviceId}
 * </pre>
 */
final class ControlServer implements AutoCloseable {
    static final String TOKEN_HEADER = "X-Firstboot-Control-Token";
    private static final int MAX_BODY = 96 * 1024;
    private static final long MAX_EVENT_WAIT_MS = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpsServer server;
    private final ExecutorService executor;

    private ControlServer(HttpsServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static ControlServer start(InetSocketAddress bind, SSLContext tls, String token, Backend backend, EventBuffer events)
            throws IOException {
        byte[] expected = token.getBytes(StandardCharsets.UTF_8);
        HttpsServer server = HttpsServer.create(bind, 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "firstboot-rig-control");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/control/", exchange -> {
            try (exchange) {
                String presented = Optional.ofNullable(exchange.getRequestHeaders().getFirst(TOKEN_HEADER)).orElse("");
                if (!MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8))) {
                    reply(exchange, 401, error("missing or wrong " + TOKEN_HEADER));
                    return;
                }
                try {
                    handle(exchange, backend, events);
                } catch (IllegalArgumentException e) {
                    reply(exchange, 400, error(e.getMessage()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    reply(exchange, 503, error("the emulator is stopping"));
                } catch (RuntimeException e) {
                    reply(exchange, 500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
                }
            }
        });
        server.start();
        return new ControlServer(server, executor);
    }

    int port() {
        return server.getAddress().getPort();
    }

    private static void handle(HttpExchange exchange, Backend backend, EventBuffer events)
            throws IOException, InterruptedException {
        String method = exchange.getRequestMethod();
        String[] path = exchange.getRequestURI().getPath().substring("/control/".length()).split("/");
        String route = method + " " + path[0];
        JsonNode body = readBody(exchange);
        switch (route) {
            case "POST reset" -> {
                backend.resetForScenario();
                reply(exchange, 204, null);
            }
            case "PUT retry-after" -> {
                backend.setRetryAfter(Duration.ofSeconds(body.path("seconds").asLong(-1)));
                reply(exchange, 204, null);
            }
            case "PUT tamper" -> {
                backend.tamperActivationBlobs(body.path("tamper").asBoolean());
                reply(exchange, 204, null);
            }
            case "POST enrollments" -> {
                String id = text(body, "registrationId");
                byte[] key = Base64.getDecoder().decode(text(body, "key"));
                Optional<String> deviceId = Optional.ofNullable(body.get("deviceId")).filter(n -> !n.isNull())
                        .map(JsonNode::asText);
                String hub = text(body, "hub");
                boolean enabled = body.path("enabled").asBoolean(true);
                switch (path.length > 1 ? path[1] : "") {
                    case "x509" -> backend.enrollX509Individual(id, key, deviceId, hub, enabled);
                    case "tpm" -> backend.enrollTpmIndividual(id, key, deviceId, hub, enabled);
                    case "symmetric-key" -> backend.enrollSymmetricKeyIndividual(id, key, deviceId, hub, enabled);
                    default -> throw new IllegalArgumentException("unknown enrollment kind; expected x509, tpm or symmetric-key");
                }
                reply(exchange, 204, null);
            }
            case "POST enrollment-groups" -> {
                backend.enrollSymmetricKeyGroup(text(body, "groupId"), Base64.getDecoder().decode(text(body, "key")),
                        text(body, "hub"), body.path("enabled").asBoolean(true));
                reply(exchange, 204, null);
            }
            case "GET registrations" -> {
                Optional<Backend.Registration> reg = path.length > 1 ? backend.registration(path[1]) : Optional.empty();
                if (reg.isEmpty()) {
                    reply(exchange, 404, error("no registration"));
                    return;
                }
                ObjectNode out = JSON.createObjectNode();
                out.put("registrationId", reg.get().registrationId());
                out.put("status", reg.get().status());
                reg.get().assignedHubHost().ifPresent(h -> out.put("assignedHubHost", h));
                reg.get().deviceId().ifPresent(d -> out.put("deviceId", d));
                ArrayNode chains = out.putArray("presentedChains");
                for (var chain : reg.get().presentedChains()) {
                    ArrayNode c = chains.addArray();
                    chain.forEach(der -> c.add(Base64.getEncoder().encodeToString(der)));
                }
                reply(exchange, 200, out);
            }
            case "GET hubs" -> {
                Optional<Backend.HubDeviceState> state = path.length > 3 && path[2].equals("devices")
                        ? backend.hubDevice(path[1], path[3]) : Optional.empty();
                if (state.isEmpty()) {
                    reply(exchange, 404, error("no such device on that hub"));
                    return;
                }
                ObjectNode out = JSON.createObjectNode();
                out.put("deviceId", state.get().deviceId());
                out.put("connected", state.get().connected());
                out.put("connectCount", state.get().connectCount());
                out.put("telemetryCount", state.get().telemetryCount());
                reply(exchange, 200, out);
            }
            case "GET events" -> {
                long after = longQuery(exchange, "after", 0);
                long wait = Math.min(MAX_EVENT_WAIT_MS, Math.max(0, longQuery(exchange, "wait", 0)));
                ArrayNode out = JSON.createArrayNode();
                for (EventBuffer.Event e : events.after(after, wait)) {
                    ObjectNode n = out.addObject();
                    n.put("seq", e.seq());
                    n.put("nanoTime", e.nanoTime());
                    n.put("origin", e.origin().name());
                    n.put("kind", e.kind().name());
                    n.put("subject", e.subject());
                    ObjectNode attrs = n.putObject("attributes");
                    e.attributes().forEach(attrs::put);
                }
                reply(exchange, 200, out);
            }
            default -> reply(exchange, 404, error("no control operation " + route));
        }
    }

    private static long longQuery(HttpExchange exchange, String name, long fallback) {
        String query = Optional.ofNullable(exchange.getRequestURI().getRawQuery()).orElse("");
        for (String part : query.split("&")) {
            if (part.startsWith(name + "=")) {
                try {
                    return Long.parseLong(part.substring(name.length() + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(name + " must be a whole number");
                }
            }
        }
        return fallback;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("expected a text field \"" + field + "\"");
        }
        return n.asText();
    }

    private static JsonNode readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new IllegalArgumentException("body over " + MAX_BODY + " bytes");
            }
            if (bytes.length == 0) {
                return JSON.createObjectNode();
            }
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new IllegalArgumentException("the body is not JSON");
            }
        }
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("message", message);
    }

    private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
