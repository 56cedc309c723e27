package dev.firstboot.service.dps;

import dev.firstboot.identity.RegistrationId;
import dev.firstboot.service.net.HttpReplies;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.net.ServerTls;
import dev.firstboot.timeline.TimelineSink;
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

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Turns HTTPS device API requests into {@link DeviceRequest}s for {@link DpsService}, and replies back into HTTP. */
final class DpsHttpHandler extends ChannelInboundHandlerAdapter {
    private static final String TRANSPORT = "https";

    private final DpsService service;
    private final TimelineSink timeline;
    private final FaultPlan faults;

    DpsHttpHandler(DpsService service, TimelineSink timeline, FaultPlan faults) {
        this.service = service;
        this.timeline = timeline;
        this.faults = faults;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof DpsAggregator.TooLarge tooLarge) {
                tooLarge(ctx, tooLarge);
            } else if (msg instanceof FullHttpRequest request) {
                request(ctx, request);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void request(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            DpsReply reply = service.refuse(Optional.empty(), List.of(),
                    DpsError.badRequest("the request is not valid HTTP/1.1"));
            write(ctx, reply, Optional.empty(), false);
            return;
        }
        Route route = Route.of(request.method().name(), request.uri());
        List<byte[]> chain = ServerTls.peerChain(ctx.channel());
        if (route.refusal().isPresent()) {
            DpsEvents.request(timeline, route.registrationId(), route.operationName(), TRANSPORT,
                    request.method().name(), route.path(), route.apiVersion().orElse(""));
            DpsReply reply = service.refuse(route.known() ? Optional.of(route.registrationId()) : Optional.empty(),
                    chain, route.refusal().get());
            DpsEvents.response(timeline, route.registrationId(), route.operationName(), reply);
            write(ctx, reply, Optional.empty(), keepAlive);
            return;
        }
        DpsEvents.request(timeline, route.registrationId(), route.operationName(), TRANSPORT, request.method().name(),
                route.path(), route.apiVersion().orElse(""));
        byte[] body = ByteBufUtil.getBytes(request.content());
        FaultPlan.Verdict verdict = faults.onDpsRequest(TRANSPORT, route.registrationId(), route.operationName());
        DpsReply reply = verdict instanceof FaultPlan.Verdict.Answer answer ? FaultReplies.of(answer)
                : service.handle(new DeviceRequest(route.operation(), route.idScope(), route.registrationId(),
                route.operationId(), route.apiVersion(), chain, body,
                Optional.ofNullable(request.headers().get(HttpHeaderNames.AUTHORIZATION))));
        boolean drop = faults.dropAfter(TRANSPORT, route.registrationId(), route.operationName(), reply.httpStatus());
        Runnable answer = () -> {
            DpsEvents.response(timeline, route.registrationId(), route.operationName(), reply);
            write(ctx, reply, Optional.of(route), keepAlive && !drop);
        };
        if (verdict.delay().isZero()) {
            answer.run();
        } else {
            ctx.executor().schedule(answer, verdict.delay().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void tooLarge(ChannelHandlerContext ctx, DpsAggregator.TooLarge tooLarge) {
        Route route = Route.of(tooLarge.method(), tooLarge.uri());
        DpsEvents.request(timeline, route.registrationId(), route.operationName(), TRANSPORT, tooLarge.method(),
                route.path(), route.apiVersion().orElse(""));
        DpsReply reply = service.refuse(route.known() ? Optional.of(route.registrationId()) : Optional.empty(),
                ServerTls.peerChain(ctx.channel()), DpsError.payloadTooLarge(DpsService.MAX_BODY_BYTES));
        DpsEvents.response(timeline, route.registrationId(), route.operationName(), reply);
        write(ctx, reply, Optional.empty(), !tooLarge.closeAfterReply());
    }

    private static void write(ChannelHandlerContext ctx, DpsReply reply, Optional<Route> route, boolean keepAlive) {
        byte[] json = reply.json().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.httpStatus()), Unpooled.wrappedBuffer(json));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        reply.error().ifPresent(e -> response.headers().set("x-ms-error-code", Integer.toString(e.errorCode())));
        if (reply.retryAfterSeconds() > 0) {
            response.headers().set("retry-after", Integer.toString(reply.retryAfterSeconds()));
        }
        if (reply.httpStatus() == 202 && reply.operationId().isPresent() && route.isPresent()) {
            Route r = route.get();
            response.headers().set(HttpHeaderNames.LOCATION, "/" + encode(r.idScope()) + "/registrations/"
                    + encode(r.registrationId()) + "/operations/" + encode(reply.operationId().get())
                    + "?api-version=" + encode(r.apiVersion().orElse("")));
        }
        HttpReplies.send(ctx, response, keepAlive);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Where a request goes: register, operation status, or nowhere (with the error to answer). */
    record Route(String path, Optional<DeviceRequest.Operation> operationKind, String idScope, String registrationId,
                 Optional<String> operationId, Optional<String> apiVersion, Optional<DpsError> refusal) {
        boolean known() {
            return operationKind.isPresent();
        }

        DeviceRequest.Operation operation() {
            return operationKind.orElseThrow();
        }

        String operationName() {
            return operationKind.map(DeviceRequest.Operation::wireName).orElse("unknown");
        }

        static Route of(String method, String uri) {
            QueryStringDecoder query = new QueryStringDecoder(uri);
            String path = query.rawPath();
            List<String> versions;
            try {
                versions = query.parameters().get("api-version");
            } catch (IllegalArgumentException e) {
                return new Route(path, Optional.empty(), "", "", Optional.empty(), Optional.empty(),
                        Optional.of(DpsError.badRequest("the query of the request URI is not valid"
                                + " percent-encoding; encode '%' as %25")));
            }
            Optional<String> apiVersion = versions == null || versions.isEmpty() || versions.get(0).isEmpty()
                    ? Optional.empty() : Optional.of(versions.get(0));
            String[] raw = path.split("/", -1);
            if (raw.length == 5 && raw[0].isEmpty() && raw[2].equals("registrations") && raw[4].equals("register")
                    && !raw[1].isEmpty() && !raw[3].isEmpty()) {
                String id = decode(raw[3]);
                return new Route(path, Optional.of(DeviceRequest.Operation.REGISTER), decode(raw[1]), id,
                        Optional.empty(), apiVersion, method.equals("PUT") ? invalidId(id)
                        : Optional.of(DpsError.methodNotAllowed("register takes PUT, not " + method)));
            }
            if (raw.length == 6 && raw[0].isEmpty() && raw[2].equals("registrations") && raw[4].equals("operations")
                    && !raw[1].isEmpty() && !raw[3].isEmpty() && !raw[5].isEmpty()) {
                String id = decode(raw[3]);
                return new Route(path, Optional.of(DeviceRequest.Operation.STATUS), decode(raw[1]), id,
                        Optional.of(decode(raw[5])), apiVersion, method.equals("GET") ? invalidId(id)
                        : Optional.of(DpsError.methodNotAllowed("operation status takes GET, not " + method)));
            }
            return new Route(path, Optional.empty(), "", "", Optional.empty(), apiVersion,
                    Optional.of(DpsError.unknownPath(path)));
        }

        private static Optional<DpsError> invalidId(String registrationId) {
            return RegistrationId.problem("the registration id", registrationId).map(DpsError::badRequest);
        }

        /** Percent-decoding of one path segment; unlike form decoding, '+' stays '+'. */
        private static String decode(String segment) {
            try {
                return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return segment;
            }
        }
    }
}
