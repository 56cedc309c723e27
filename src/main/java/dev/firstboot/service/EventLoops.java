package dev.firstboot.service;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The Netty event loops of one backend (an accept loop and the I/O workers), shared by the stacks that run on it: the
 * tenants of the embedded backend, one per lane of scenarios in parallel. They start with the first stack that
 * {@link #acquire}s them and stop when the last one gives them back, so a run that ends leaves no thread behind.
 */
public final class EventLoops {
    private static final Duration SHUTDOWN_DEADLINE = Duration.ofSeconds(5);

    private final int ioThreads;
    private int users;
    private EventLoopGroup boss;
    private EventLoopGroup workers;

    public EventLoops(int ioThreads) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("an emulator needs at least one I/O thread, got " + ioThreads);
        }
        this.ioThreads = ioThreads;
    }

    /** The loops for one more stack; {@link Lease#close()} gives them back. */
    public synchronized Lease acquire() {
        if (users == 0) {
            boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(EmulatorStack.ACCEPT_THREAD_PREFIX, true),
                    NioIoHandler.newFactory());
            workers = new MultiThreadIoEventLoopGroup(ioThreads,
                    new DefaultThreadFactory(EmulatorStack.IO_THREAD_PREFIX, true), NioIoHandler.newFactory());
        }
        users++;
        return new Lease(boss, workers);
    }

    private void release() {
        EventLoopGroup b;
        EventLoopGroup w;
        synchronized (this) {
            if (--users > 0) {
                return;
            }
            b = boss;
            w = workers;
            boss = null;
            workers = null;
        }
        b.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        w.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        b.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        w.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One stack's hold on the loops. */
    public final class Lease implements AutoCloseable {
        private final EventLoopGroup boss;
        private final EventLoopGroup workers;
        private boolean closed;

        private Lease(EventLoopGroup boss, EventLoopGroup workers) {
            this.boss = boss;
            this.workers = workers;
        }

        public EventLoopGroup boss() {
            return boss;
        }

        public EventLoopGroup workers() {
            return workers;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            release();
        }
    }
}
