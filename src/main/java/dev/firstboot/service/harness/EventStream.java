package dev.firstboot.service.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's server-sent event stream ({@code text/event-stream}) of an {@link EventBuffer}: every event after the
 * sequence number it asked for, then each new one as it is recorded, as
 * <pre>
 * id: 42
 * event: timeline
 * data: {"seq":42,"nanoTime":…,"origin":"SERVICE","kind":"DPS_REQUEST","subject":"…","attributes":{…}}
 * </pre>
 * A client that asks for events the buffer has already dropped first gets {@code event: gap} with the first kept
 * {@code seq}. The connection carries nothing else and ends with it (no content length). Bounded: what waits to be
 * written stays under {@link #HIGH_WATER} bytes, and a client that reads nothing for {@link #STALL_DEADLINE} is cut
 * off; a comment line every {@link #HEARTBEAT} lets a client tell a quiet emulator from a dead connection.
 */
final class EventStream extends ChannelInboundHandlerAdapter {
    static final int HIGH_WATER = 256 * 1024;
    static final Duration STALL_DEADLINE = Duration.ofSeconds(10);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    private static final int BATCH = 256;

    private final Channel channel;
    private final EventBuffer events;
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    private long lastSent;
    private long lastWriteNanos = System.nanoTime();
    private long stalledSinceNanos = -1;
    private Runnable unsubscribe = () -> { };
    private ScheduledFuture<?> watchdog;

    private EventStream(Channel channel, EventBuffer events, long after) {
        this.channel = channel;
        this.events = events;
        this.lastSent = after;
    }

    /** Turns this connection into an event stream from {@code after} on (called on its event loop). */
    static void start(ChannelHandlerContext ctx, EventBuffer events, long after) {
        Channel ch = ctx.channel();
        ChannelPipeline p = ch.pipeline();
        // From here the client sends nothing: no read deadline, no request deadline, no other route.
        for (String name : List.of("idle", "deadline", "service-api", "dps")) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(HIGH_WATER / 4, HIGH_WATER));
        EventStream stream = new EventStream(ch, events, after);
        p.addLast("firstboot-events", stream);
        p.remove(ctx.handler());
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ch.write(head);
        long first = events.firstSeq();
        if (after + 1 < first) {
            stream.send("event: gap\ndata: " + json(HarnessApi.JSON.createObjectNode().put("firstSeq", first)) + "\n\n");
        }
        stream.send(": firstboot events after " + after + "\n\n");
        ch.flush();
        stream.unsubscribe = events.subscribe(stream::queueDrain);
        stream.watchdog = ch.eventLoop().scheduleAtFixedRate(stream::watch, 1, 1, TimeUnit.SECONDS);
        stream.drain();
    }

    private void queueDrain() {
        if (drainQueued.compareAndSet(false, true)) {
            channel.eventLoop().execute(() -> {
                drainQueued.set(false);
                drain();
            });
        }
    }

    private void drain() {
        if (!channel.isActive()) {
            return;
        }
        boolean wrote = false;
        while (channel.isWritable()) {
            List<EventBuffer.Event> batch = events.after(lastSent, BATCH);
            if (batch.isEmpty()) {
                break;
            }
            for (EventBuffer.Event e : batch) {
                send(frame(e));
                lastSent = e.seq();
            }
            wrote = true;
            channel.flush();
        }
        if (wrote) {
            lastWriteNanos = System.nanoTime();
        }
    }

    private static String frame(EventBuffer.Event e) {
        ObjectNode n = HarnessApi.JSON.createObjectNode();
        n.put("seq", e.seq());
        n.put("nanoTime", e.nanoTime());
        n.put("origin", e.origin().name());
        n.put("kind", e.kind().name());
        n.put("subject", e.subject());
        ObjectNode attrs = n.putObject("attributes");
        e.attributes().forEach(attrs::put);
        return "id: " + e.seq() + "\nevent: timeline\ndata: " + json(n) + "\n\n";
    }

    private static String json(ObjectNode n) {
        try {
            return HarnessApi.JSON.writeValueAsString(n);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException("an event stream frame could not be written as JSON", x);
        }
    }

    private void send(String text) {
        channel.write(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)));
    }

    /** Each second: cut off a client that has not read for the deadline; say something when quiet for a while. */
    private void watch() {
        long now = System.nanoTime();
        if (!channel.isWritable()) {
            if (stalledSinceNanos < 0) {
                stalledSinceNanos = now;
            } else if (now - stalledSinceNanos > STALL_DEADLINE.toNanos()) {
                channel.close();
            }
            return;
        }
        stalledSinceNanos = -1;
        drain();
        if (now - lastWriteNanos > HEARTBEAT.toNanos()) {
            send(": keepalive\n\n");
            channel.flush();
            lastWriteNanos = now;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            stalledSinceNanos = -1;
            drain();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        unsubscribe.run();
        if (watchdog != null) {
            watchdog.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
