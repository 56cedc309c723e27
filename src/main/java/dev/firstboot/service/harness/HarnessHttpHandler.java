package dev.firstboot.service.harness;

import dev.firstboot.service.net.HttpReplies;
import com.fasterxml.jackson.core.JsonProcessingException;
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
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * Takes requests under {@value HarnessApi#ROOT} off a DPS HTTPS connection and passes every other request on. The
 * SAS is checked first; the event stream is served on the network thread (it never blocks), controls on the API's
 * own thread with reading paused, so replies keep request order.
 */
final class HarnessHttpHandler extends ChannelInboundHandlerAdapter {
    private final HarnessApi api;

    HarnessHttpHandler(HarnessApi api) {
        this.api = api;
    }

    static boolean isHarness(String uri) {
        String path = new QueryStringDecoder(uri).rawPath();
        return path.equals(HarnessApi.ROOT) || path.startsWith(HarnessApi.ROOT + "/");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || !isHarness(request.uri())) {
            ctx.fireChannelRead(msg);
            return;
        }
        String method;
        QueryStringDecoder uri;
        Optional<String> authorization;
        byte[] body;
        boolean keepAlive;
        try {
            if (request.decoderResult().isFailure()) {
                write(ctx, HarnessApi.Reply.error(400, "the request is not valid HTTP/1.1"), false);
                return;
            }
            method = request.method().name();
            uri = new QueryStringDecoder(request.uri());
            try {
                uri.parameters();
            } catch (IllegalArgumentException e) {
                write(ctx, HarnessApi.Reply.error(400, "the query is not valid percent-encoding"), false);
                return;
            }
            authorization = Optional.ofNullable(request.headers().get(HttpHeaderNames.AUTHORIZATION));
            body = ByteBufUtil.getBytes(request.content());
            keepAlive = HttpUtil.isKeepAlive(request);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        Optional<String> refused = api.refusal(authorization);
        if (refused.isPresent()) {
            write(ctx, HarnessApi.Reply.error(401, "Unauthorized: " + refused.get()), keepAlive);
            return;
        }
        String rest = uri.rawPath().substring(HarnessApi.ROOT.length());
        List<String> path;
        try {
            path = Arrays.stream((rest.startsWith("/") ? rest.substring(1) : rest).split("/", -1))
                    .map(p -> QueryStringDecoder.decodeComponent(p.replace("+", "%2B"), StandardCharsets.UTF_8))
                    .toList();
        } catch (IllegalArgumentException e) {
            write(ctx, HarnessApi.Reply.error(400, "the path is not valid percent-encoding: " + e.getMessage()),
                    keepAlive);
            return;
        }
        if (path.get(0).equals("events")) {
            if (!method.equals("GET")) {
                write(ctx, HarnessApi.Reply.error(405, "the event stream takes GET only"), keepAlive);
                return;
            }
            Optional<Long> after = afterOf(uri);
            if (after.isEmpty()) {
                write(ctx, HarnessApi.Reply.error(400, "after must be a whole number of 0 or more (the sequence"
                        + " number of the last event you have; 0 for all)"), keepAlive);
                return;
            }
            EventStream.start(ctx, api.events(), after.get());
            return;
        }
        ctx.channel().config().setAutoRead(false);
        try {
            api.controls().execute(() -> {
                HarnessApi.Reply reply = api.control(method, path, body);
                write(ctx, reply, keepAlive);
                ctx.channel().config().setAutoRead(true);
            });
        } catch (RejectedExecutionException e) {
            ctx.channel().config().setAutoRead(true);
            write(ctx, HarnessApi.Reply.error(503, "the emulator is stopping"), false);
        }
    }

    private static Optional<Long> afterOf(QueryStringDecoder uri) {
        List<String> values = uri.parameters().get("after");
        if (values == null || values.isEmpty()) {
            return Optional.of(0L);
        }
        try {
            long v = Long.parseLong(values.get(0));
            return v < 0 ? Optional.empty() : Optional.of(v);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    static void write(ChannelHandlerContext ctx, HarnessApi.Reply reply, boolean keepAlive) {
        byte[] json;
        try {
            json = reply.body() == null ? new byte[0] : HarnessApi.JSON.writeValueAsBytes(reply.body());
        } catch (JsonProcessingException e) {
            json = new byte[0];
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(json));
        if (json.length > 0) {
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        }
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        HttpReplies.send(ctx, response, keepAlive);
    }
}
