package dev.firstboot.service.net;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP connection that has not delivered a complete request within the deadline since it opened or since
 * its last response. Sits after the aggregator, so it sees whole requests only: a client that sends nothing and a
 * client that dribbles its headers a byte at a time (slowloris) are closed alike, while a request being worked on is
 * never cut short.
 */
public final class RequestDeadline extends ChannelDuplexHandler {
    private final Duration deadline;
    private ScheduledFuture<?> timer;

    public RequestDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        disarm();
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        ChannelPromise written = promise.unvoid(); // a void promise takes no listener
        super.write(ctx, msg, written);
        written.addListener(f -> {
            if (ctx.channel().isActive() && ctx.executor().inEventLoop()) {
                arm(ctx);
            } else if (ctx.channel().isActive()) {
                ctx.executor().execute(() -> arm(ctx));
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        timer = ctx.executor().schedule(() -> {
            ctx.close();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
