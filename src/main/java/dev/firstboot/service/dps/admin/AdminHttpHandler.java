package dev.firstboot.service.dps.admin;

import dev.firstboot.service.net.HttpReplies;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * Takes the service API's requests off an HTTPS connection and hands everything else on. One request at a time per
 * connection: reading pauses while a request is worked on, so replies keep request order and a pipelining client
 * cannot queue work without bound.
 */
final class AdminHttpHandler extends ChannelInboundHandlerAdapter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The timeline subject of service API events. It has a space, so it can never be a registration id and these
     * events never pass for a device's own requests.
     */
    static final String SUBJECT = "service API";
    private final ServiceApi api;
    private final TimelineSink timeline;

    AdminHttpHandler(ServiceApi api, TimelineSink timeline) {
        this.api = api;
        this.timeline = timeline;
    }

    /**
     * Requests (for this API or the next handler) that arrived pipelined while one is worked on; they are taken in
     * order once its reply is written, so a device request behind a service API one is answered after it.
     */
    private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();
    private boolean busy;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (busy) {
            held.add(msg);
            return;
        }
        if (!(msg instanceof FullHttpRequest request) || !AdminRoute.isAdmin(request.uri())) {
            ctx.fireChannelRead(msg);
            return;
        }
        AdminCall call;
        boolean keepAlive;
        try {
            keepAlive = HttpUtil.isKeepAlive(request);
            if (request.decoderResult().isFailure()) {
                write(ctx, AdminService.error(400, AdminService.BAD_REQUEST, "The request is not valid HTTP/1.1"),
                        false);
                return;
            }
            AdminRoute route;
            try {
                route = AdminRoute.of(request.uri());
            } catch (IllegalArgumentException e) {
                write(ctx, AdminService.error(400, AdminService.BAD_REQUEST, "The request URI is not valid"
                        + " percent-encoding; encode '%' as %25"), keepAlive);
                return;
            }
            call = new AdminCall(request.method().name(), route,
                    header(request, HttpHeaderNames.AUTHORIZATION.toString()),
                    header(request, HttpHeaderNames.IF_MATCH.toString()),
                    header(request, "x-ms-max-item-count"), header(request, "x-ms-continuation"),
                    ByteBufUtil.getBytes(request.content()));
        } finally {
            ReferenceCountUtil.release(msg);
        }
        Map<String, String> seen = new LinkedHashMap<>();
        seen.put("operation", "service-api");
        seen.put("transport", "https");
        seen.put("method", call.method());
        seen.put("path", call.route().path());
        seen.put("apiVersion", call.route().apiVersion().orElse(""));
        seen.put("authorization", call.authorization().map(AdminHttpHandler::shape).orElse("none"));
        seen.put("ifMatch", call.ifMatch().isPresent() ? "present" : "none");
        timeline.record(Origin.SERVICE, EventKind.DPS_REQUEST, SUBJECT, seen);
        if (!api.tryAcquire()) {
            AdminResponse busy = AdminService.error(429, AdminService.TOO_MANY_REQUESTS, "Too many requests are"
                    + " being worked on; retry after the number of seconds in retry-after");
            record(busy);
            write(ctx, withHeader(busy, "retry-after", "1"), keepAlive);
            return;
        }
        ctx.channel().config().setAutoRead(false);
        busy = true;
        boolean keep = keepAlive;
        try {
            api.workers().execute(() -> {
                AdminResponse response;
                try {
                    response = api.service().answer(call, Instant.now());
                } catch (RuntimeException e) {
                    response = AdminService.error(500, AdminService.INTERNAL_ERROR, "The enrollment store failed ("
                            + e.getClass().getSimpleName() + "); see the emulator's log and retry");
                } finally {
                    api.release();
                }
                record(response);
                AdminResponse done = response;
                ctx.executor().execute(() -> {
                    write(ctx, done, keep);
                    busy = false;
                    ctx.channel().config().setAutoRead(true);
                    while (!busy && !held.isEmpty() && ctx.channel().isActive()) {
                        channelRead(ctx, held.poll());
                    }
                });
            });
        } catch (RejectedExecutionException e) {
            api.release();
            busy = false;
            ctx.channel().config().setAutoRead(true);
            write(ctx, AdminService.error(503, 503001, "The service API is shutting down"), false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        while (!held.isEmpty()) {
            ReferenceCountUtil.release(held.poll());
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void record(AdminResponse response) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("operation", "service-api");
        a.put("status", Integer.toString(response.status()));
        a.put("errorCode", response.errorCode().map(String::valueOf).orElse(""));
        a.put("message", response.errorCode().isPresent()
                ? response.body().map(b -> b.path("message").asText()).orElse("") : "");
        timeline.record(Origin.SERVICE, EventKind.DPS_RESPONSE, SUBJECT, a);
    }

    /**
     * What an Authorization header looks like without what makes it a secret: the scheme, the field names in
     * order, and whether {@code sr} was URL-encoded (e.g. "SharedAccessSignature sr,sig,se,skn sr-encoded").
     */
    static String shape(String header) {
        String h = header.trim();
        int space = h.indexOf(' ');
        if (space < 0) {
            return "unknown scheme";
        }
        String scheme = h.substring(0, space);
        if (!scheme.equals("SharedAccessSignature")) {
            return scheme.length() <= 32 ? scheme + " (not a SAS)" : "unknown scheme";
        }
        StringBuilder names = new StringBuilder();
        boolean encoded = false;
        for (String part : h.substring(space + 1).split("&", -1)) {
            int eq = part.indexOf('=');
            String name = eq < 0 ? "?" : part.substring(0, eq);
            names.append(names.length() == 0 ? "" : ",").append(name.length() <= 8 ? name : "?");
            if (name.equals("sr") && part.contains("%")) {
                encoded = true;
            }
        }
        return scheme + " " + names + (encoded ? " sr-encoded" : " sr-raw");
    }

    private static Optional<String> header(FullHttpRequest request, String name) {
        return Optional.ofNullable(request.headers().get(name));
    }

    private static AdminResponse withHeader(AdminResponse r, String name, String value) {
        Map<String, String> headers = new LinkedHashMap<>(r.headers());
        headers.put(name, value);
        return new AdminResponse(r.status(), r.body(), headers, r.errorCode());
    }

    private static void write(ChannelHandlerContext ctx, AdminResponse reply, boolean keepAlive) {
        byte[] json;
        try {
            json = reply.body().isPresent() ? JSON.writeValueAsBytes(reply.body().get()) : new byte[0];
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(json));
        if (json.length > 0) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        reply.headers().forEach((k, v) -> response.headers().set(k, v));
        HttpReplies.send(ctx, response, keepAlive);
    }
}
