package dev.firstboot.service.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose first whole message (e.g. MQTT CONNECT) has not been decoded within the deadline of the
 * connection opening, however many bytes trickle in meanwhile. Sits after the decoder and leaves the pipeline once
 * the first message passes, so a read timeout alone (which any byte resets) cannot be defeated by a slowloris.
 */
public final class FirstMessageDeadline extends ChannelInboundHandlerAdapter {
    private final Duration deadline;
    private ScheduledFuture<?> timer;

    public FirstMessageDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> {
            ctx.close();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
