package dev.firstboot.service.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.rig.Backend;
import dev.firstboot.service.net.Listener;
import dev.firstboot.service.net.ServerTls;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

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

    private final Listener listener;
    private final ExecutorService executor;

    private ControlServer(Listener listener, ExecutorService executor) {
        this.listener = listener;
        this.executor = executor;
    }

    /** What one request gets: a status and a JSON body, or none. */
    record Reply(int status, JsonNode body) {
    }

    static ControlServer start(InetSocketAddress bind, SSLContext tls, String[] protocols, EventLoopGroup boss,
                               EventLoopGroup workers, String token, Backend backend, EventBuffer events)
            throws IOException {
        byte[] expected = token.getBytes(StandardCharsets.UTF_8);
        // Operations may block (an event long-poll waits up to 2 s): they run here, never on the event loop.
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "firstboot-rig-control");
            t.setDaemon(true);
            return t;
        });
        Listener listener = Listener.bind(bind, boss, workers, ch -> ch.pipeline()
                .addLast("idle", new ReadTimeoutHandler(120, TimeUnit.SECONDS))
                .addLast("tls", ServerTls.newHandler(tls, protocols))
                .addLast("http", new HttpServerCodec())
                .addLast("aggregate", new HttpObjectAggregator(MAX_BODY))
                .addLast("control", new SimpleChannelInboundHandler<FullHttpRequest>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                        String presented = Optional.ofNullable(request.headers().get(TOKEN_HEADER)).orElse("");
                        String method = request.method().name();
                        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
                        byte[] body = new byte[request.content().readableBytes()];
                        request.content().readBytes(body);
                        boolean keepAlive = HttpUtil.isKeepAlive(request);
                        try {
                            executor.execute(() -> write(ctx, keepAlive, MessageDigest.isEqual(expected,
                                    presented.getBytes(StandardCharsets.UTF_8))
                                    ? answer(method, uri, body, backend, events)
                                    : new Reply(401, error("missing or wrong " + TOKEN_HEADER))));
                        } catch (RejectedExecutionException e) {
                            write(ctx, false, new Reply(503, error("the emulator is stopping")));
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }
                }));
        return new ControlServer(listener, executor);
    }

    private static void write(ChannelHandlerContext ctx, boolean keepAlive, Reply reply) {
        byte[] bytes;
        try {
            bytes = reply.body() == null ? new byte[0] : JSON.writeValueAsBytes(reply.body());
        } catch (IOException e) {
            bytes = new byte[0];
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (bytes.length > 0) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        if (keepAlive) {
            ctx.writeAndFlush(response);
        } else {
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    int port() {
        return listener.address().getPort();
    }

    static Reply answer(String method, QueryStringDecoder uri, byte[] rawBody, Backend backend, EventBuffer events) {
        try {
            return handle(method, uri, rawBody, backend, events);
        } catch (IllegalArgumentException e) {
            return new Reply(400, error(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(503, error("the emulator is stopping"));
        } catch (RuntimeException e) {
            return new Reply(500, error(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private static Reply handle(String method, QueryStringDecoder uri, byte[] rawBody, Backend backend,
                                EventBuffer events) throws InterruptedException {
        if (!uri.path().startsWith("/control/")) {
            return new Reply(404, error("the control API is under /control/"));
        }
        String[] path = uri.path().substring("/control/".length()).split("/");
        String route = method + " " + path[0];
        JsonNode body = parse(rawBody);
        switch (route) {
            case "POST reset" -> {
                backend.resetForScenario();
                return new Reply(204, null);
            }
            case "PUT retry-after" -> {
                backend.setRetryAfter(Duration.ofSeconds(body.path("seconds").asLong(-1)));
                return new Reply(204, null);
            }
            case "PUT tamper" -> {
                backend.tamperActivationBlobs(body.path("tamper").asBoolean());
                return new Reply(204, null);
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
                return new Reply(204, null);
            }
            case "POST enrollment-groups" -> {
                backend.enrollSymmetricKeyGroup(text(body, "groupId"), Base64.getDecoder().decode(text(body, "key")),
                        text(body, "hub"), body.path("enabled").asBoolean(true));
                return new Reply(204, null);
            }
            case "GET registrations" -> {
                Optional<Backend.Registration> reg = path.length > 1 ? backend.registration(path[1]) : Optional.empty();
                if (reg.isEmpty()) {
                    return new Reply(404, error("no registration"));
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
                return new Reply(200, out);
            }
            case "GET hubs" -> {
                Optional<Backend.HubDeviceState> state = path.length > 3 && path[2].equals("devices")
                        ? backend.hubDevice(path[1], path[3]) : Optional.empty();
                if (state.isEmpty()) {
                    return new Reply(404, error("no such device on that hub"));
                }
                ObjectNode out = JSON.createObjectNode();
                out.put("deviceId", state.get().deviceId());
                out.put("connected", state.get().connected());
                out.put("connectCount", state.get().connectCount());
                out.put("telemetryCount", state.get().telemetryCount());
                return new Reply(200, out);
            }
            case "GET events" -> {
                long after = longQuery(uri, "after", 0);
                long wait = Math.min(MAX_EVENT_WAIT_MS, Math.max(0, longQuery(uri, "wait", 0)));
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
                return new Reply(200, out);
            }
            default -> {
                return new Reply(404, error("no control operation " + route));
            }
        }
    }

    private static long longQuery(QueryStringDecoder uri, String name, long fallback) {
        var values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(values.get(0));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number");
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("expected a text field \"" + field + "\"");
        }
        return n.asText();
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes.length == 0) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON");
        }
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("message", message);
    }

    @Override
    public void close() {
        listener.close();
        executor.shutdownNow();
    }
}
