package dev.firstboot.service.dps;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Aggregates requests up to the DPS message limit. An oversized request is not answered here (Netty's default 413
 * has no body) but handed on as {@link TooLarge}, so the DPS handler answers it like any other error. The aggregator
 * then discards the rest of the body, keeping the connection usable when it can.
 */
final class DpsAggregator extends HttpObjectAggregator {
    DpsAggregator(int maxContentLength) {
        super(maxContentLength);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest request)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        // Mid-body (chunked) or a client that will not wait for a verdict: answer, then close.
        boolean close = oversized instanceof FullHttpMessage
                || (!HttpUtil.is100ContinueExpected(request) && !HttpUtil.isKeepAlive(request));
        ctx.fireChannelRead(new TooLarge(request.method().name(), request.uri(), close));
    }

    /** A request whose body was over the limit; its body was not read. */
    record TooLarge(String method, String uri, boolean closeAfterReply) {
    }
}
