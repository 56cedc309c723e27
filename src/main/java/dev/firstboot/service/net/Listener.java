package dev.firstboot.service.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A bound server socket and every connection it accepted, so closing it leaves nothing open. */
public final class Listener implements AutoCloseable {
    private static final Duration BIND_DEADLINE = Duration.ofSeconds(5);
    private static final Duration CLOSE_DEADLINE = Duration.ofSeconds(5);

    private final Channel server;
    private final ChannelGroup connections;

    private Listener(Channel server, ChannelGroup connections) {
        this.server = server;
        this.connections = connections;
    }

    /** Binds {@code address} (port 0 for an ephemeral one) and sets up each accepted connection with {@code pipeline}. */
    public static Listener bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
                                Consumer<SocketChannel> pipeline) throws IOException {
        return bind(address, boss, workers, Limits.DEFAULT.maxConnections(), pipeline);
    }

    /**
     * As {@link #bind(InetSocketAddress, EventLoopGroup, EventLoopGroup, Consumer)}, keeping at most
     * {@code maxConnections} open, and at most {@link #perClientShare} of them from one source address: one more is
     * closed as soon as it is accepted, before any TLS work is spent on it, so the client sees its connection end at
     * once instead of waiting, and one client cannot lock the others out.
     */
    public static Listener bind(InetSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
                                int maxConnections, Consumer<SocketChannel> pipeline) throws IOException {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
        }
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        AtomicInteger open = new AtomicInteger();
        int perClient = perClientShare(maxConnections);
        ConcurrentHashMap<InetAddress, AtomicInteger> byClient = new ConcurrentHashMap<>();
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        InetAddress client = ch.remoteAddress() == null ? null : ch.remoteAddress().getAddress();
                        AtomicInteger mine = client == null ? new AtomicInteger()
                                : byClient.computeIfAbsent(client, c -> new AtomicInteger());
                        if (mine.incrementAndGet() > perClient | open.incrementAndGet() > maxConnections) {
                            open.decrementAndGet();
                            release(byClient, client, mine);
                            ch.config().setOption(ChannelOption.SO_LINGER, 0);
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> {
                            open.decrementAndGet();
                            release(byClient, client, mine);
                        });
                        connections.add(ch);
                        pipeline.accept(ch);
                    }
                });
        ChannelFuture bound = b.bind(address);
        if (!bound.awaitUninterruptibly(BIND_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            bound.cancel(false);
            throw new IOException("could not bind " + address + " within " + BIND_DEADLINE.toSeconds() + " s");
        }
        if (!bound.isSuccess()) {
            throw new IOException("could not bind " + address + ": " + bound.cause().getMessage(), bound.cause());
        }
        return new Listener(bound.channel(), connections);
    }

    /**
     * How many of a listener's {@code maxConnections} one client (source address) may hold: all but a quarter (rounded
     * down), so one client holding all it may still leaves a quarter for every other device.
     */
    public static int perClientShare(int maxConnections) {
        return maxConnections - maxConnections / 4;
    }

    private static void release(ConcurrentHashMap<InetAddress, AtomicInteger> byClient, InetAddress client,
                                AtomicInteger count) {
        if (client != null && count.decrementAndGet() <= 0) {
            byClient.remove(client, count);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Closes every accepted connection, keeping the listener open. */
    public void closeConnections() {
        connections.close().awaitUninterruptibly(CLOSE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(CLOSE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        closeConnections();
    }
}
