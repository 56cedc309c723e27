package dev.firstboot.service.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.rig.Backend;
import dev.firstboot.service.dps.admin.ServiceSas;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The emulator's own paths on its DPS HTTPS port, behind the service SAS: what a harness in another process needs
 * beyond the Azure service API. Not an Azure API; docs/emulator.md lists them:
 * <pre>
 * GET  /firstboot/events?after=SEQ        the timeline as server-sent events (text/event-stream), see EventStream
 * GET  /firstboot/clock                   {"nanoTime": N, "lastSeq": S}: for clock offset and "delivered yet?"
 * GET  /firstboot/info                    {"idScope", "retryAfterSeconds", "hubs": [{"name", "host", "port"}]}
 * POST /firstboot/reset                   a clean slate for the next scenario; answers {"lastSeq": S}
 * PUT  /firstboot/retry-after             {"seconds": N}, 0 to 300
 * PUT  /firstboot/tamper                  {"tamper": true|false}: corrupt the TPM activation blobs
 * GET  /firstboot/registrations/{id}      status, assigned hub, device id and the chains the device presented
 * GET  /firstboot/hubs/{hub}/devices/{id} what a hub knows of a device: connected, connects, telemetry
 * </pre>
 * Answers are JSON; a refusal is 4xx with {@code {"message": "..."}} that says what to send instead.
 */
public final class HarnessApi implements AutoCloseable {
    /** Every path of this API starts with it. */
    public static final String ROOT = "/firstboot";
    static final ObjectMapper JSON = new ObjectMapper();

    private final Backend backend;
    private final EventBuffer events;
    private final ServiceSas sas;
    private final EventLoopGroup loops;
    private final ExecutorService controls;

    public HarnessApi(Backend backend, EventBuffer events, ServiceSas sas, EventLoopGroup loops) {
        this.backend = backend;
        this.events = events;
        this.sas = sas;
        this.loops = loops;
        this.controls = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "firstboot-harness-api");
            t.setDaemon(true);
            return t;
        });
    }

    /** Where a stack keeps its HarnessApi once it serves one; connections accepted before that pass it by. */
    public static final class Slot implements AutoCloseable {
        private volatile HarnessApi api;

        public void set(HarnessApi api) {
            this.api = api;
        }

        public Optional<ChannelHandler> handler() {
            HarnessApi a = api;
            return a == null ? Optional.empty() : Optional.of(new HarnessHttpHandler(a));
        }

        @Override
        public void close() {
            HarnessApi a = api;
            if (a != null) {
                a.close();
            }
        }
    }

    EventBuffer events() {
        return events;
    }

    ExecutorService controls() {
        return controls;
    }

    Optional<String> refusal(Optional<String> authorization) {
        return sas.refusal(authorization, Instant.now());
    }

    /** An answer: HTTP status and a JSON body (or none). */
    record Reply(int status, JsonNode body) {
        static Reply error(int status, String message) {
            return new Reply(status, JSON.createObjectNode().put("message", message));
        }
    }

    /** A control request off the network threads (the store may block); never throws. */
    Reply control(String method, List<String> path, byte[] body) {
        try {
            return route(method, path, body);
        } catch (MethodNotAllowed e) {
            return Reply.error(405, e.getMessage());
        } catch (IllegalArgumentException e) {
            return Reply.error(400, e.getMessage());
        } catch (RuntimeException e) {
            return Reply.error(500, "the emulator failed on " + method + " " + ROOT + "/" + String.join("/", path)
                    + " (" + e.getClass().getSimpleName() + "); see its output and retry");
        }
    }

    private Reply route(String method, List<String> path, byte[] raw) {
        String head = path.get(0);
        switch (head) {
            case "clock" -> {
                allow(method, "GET");
                return new Reply(200, JSON.createObjectNode().put("nanoTime", System.nanoTime())
                        .put("lastSeq", events.lastSeq()));
            }
            case "info" -> {
                allow(method, "GET");
                ObjectNode out = JSON.createObjectNode();
                out.put("idScope", backend.deviceEndpoints().idScope());
                out.put("retryAfterSeconds", backend.retryAfter().toSeconds());
                ArrayNode hubs = out.putArray("hubs");
                // in the configured order of the hubs (the endpoints' address map has none)
                for (String name : backend.hubNames()) {
                    backend.hubHost(name).ifPresent(host -> backend.deviceEndpoints().resolveHub(host).ifPresent(
                            address -> hubs.addObject().put("name", name).put("host", host).put("port", address.getPort())));
                }
                backend.deviceEndpoints().dpsMqtt().ifPresent(a -> out.put("dpsMqttPort", a.getPort()));
                return new Reply(200, out);
            }
            case "reset" -> {
                allow(method, "POST");
                backend.resetForScenario();
                return new Reply(200, JSON.createObjectNode().put("lastSeq", events.lastSeq()));
            }
            case "retry-after" -> {
                allow(method, "PUT");
                JsonNode seconds = object(raw).get("seconds");
                if (seconds == null || !seconds.canConvertToLong() || !seconds.isIntegralNumber()) {
                    throw new IllegalArgumentException("expected {\"seconds\": N} with N whole seconds from 0 to 300");
                }
                backend.setRetryAfter(Duration.ofSeconds(seconds.asLong()));
                return new Reply(204, null);
            }
            case "tamper" -> {
                allow(method, "PUT");
                JsonNode tamper = object(raw).get("tamper");
                if (tamper == null || !tamper.isBoolean()) {
                    throw new IllegalArgumentException("expected {\"tamper\": true} or {\"tamper\": false}");
                }
                backend.tamperActivationBlobs(tamper.asBoolean());
                return new Reply(204, null);
            }
            case "registrations" -> {
                allow(method, "GET");
                if (path.size() != 2 || path.get(1).isEmpty()) {
                    return Reply.error(404, "expected " + ROOT + "/registrations/{registrationId}");
                }
                return backend.registration(path.get(1)).map(r -> new Reply(200, registration(r)))
                        .orElseGet(() -> Reply.error(404, "no registration '" + path.get(1) + "' (the device has"
                                + " not registered since the last reset)"));
            }
            case "hubs" -> {
                allow(method, "GET");
                if (path.size() != 4 || !path.get(2).equals("devices")) {
                    return Reply.error(404, "expected " + ROOT + "/hubs/{hub}/devices/{deviceId}");
                }
                if (!backend.hubNames().contains(path.get(1))) {
                    return Reply.error(404, "no hub named '" + path.get(1) + "'; the hubs are "
                            + String.join(", ", backend.hubNames()));
                }
                return backend.hubDevice(path.get(1), path.get(3)).map(s -> new Reply(200, JSON.createObjectNode()
                                .put("deviceId", s.deviceId()).put("connected", s.connected())
                                .put("connectCount", s.connectCount()).put("telemetryCount", s.telemetryCount())))
                        .orElseGet(() -> Reply.error(404, "hub '" + path.get(1) + "' knows no device '"
                                + path.get(3) + "'"));
            }
            default -> {
                return Reply.error(404, "there is no " + ROOT + "/" + head + "; the paths are " + ROOT
                        + "/events, clock, info, reset, retry-after, tamper, registrations/{id},"
                        + " hubs/{hub}/devices/{id} (docs/emulator.md)");
            }
        }
    }

    static ObjectNode registration(Backend.Registration r) {
        ObjectNode out = JSON.createObjectNode();
        out.put("registrationId", r.registrationId());
        out.put("status", r.status());
        r.assignedHubHost().ifPresent(h -> out.put("assignedHubHost", h));
        r.deviceId().ifPresent(d -> out.put("deviceId", d));
        ArrayNode chains = out.putArray("presentedChains");
        for (List<byte[]> chain : r.presentedChains()) {
            ArrayNode c = chains.addArray();
            chain.forEach(der -> c.add(Base64.getEncoder().encodeToString(der)));
        }
        return out;
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new MethodNotAllowed(allowed);
        }
    }

    /** A method this path does not take: 405 with the one it does. */
    static final class MethodNotAllowed extends IllegalArgumentException {
        final String allowed;

        MethodNotAllowed(String allowed) {
            super("this path takes " + allowed + " only");
            this.allowed = allowed;
        }
    }

    private static JsonNode object(byte[] raw) {
        JsonNode n;
        try {
            n = raw.length == 0 ? null : JSON.readTree(raw);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON; send a JSON object");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        return n;
    }

    @Override
    public void close() {
        controls.shutdownNow();
    }
}
