package dev.firstboot.device.boot;

import dev.firstboot.rig.BootReport;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One simulated first boot running on its own thread: its verdict, and a cancel switch that a reset pulls (every
 * pause in the boot wakes up at once, the hub connection is dropped, the thread is joined with a deadline).
 */
public final class BootThread {
    static final Duration STOP_DEADLINE = Duration.ofSeconds(5);

    private final CompletableFuture<BootReport> verdict = new CompletableFuture<>();
    private final CountDownLatch cancel = new CountDownLatch(1);
    private final FirstBoot procedure;
    private final Thread thread;

    private BootThread(String name, Function<FirstBoot.Pause, FirstBoot> procedure) {
        this.procedure = procedure.apply(d -> !cancel.await(d.toNanos(), TimeUnit.NANOSECONDS));
        this.thread = new Thread(() -> {
            try {
                verdict.complete(this.procedure.run());
            } catch (InterruptedException e) {
                verdict.complete(new BootReport.NoVerdict("the boot was cancelled"));
            } catch (RuntimeException e) {
                verdict.complete(new BootReport.Failed("the simulator failed: " + e));
            }
        }, name);
        thread.setDaemon(true);
    }

    /** Builds the boot with a pause that {@link #stop()} cuts short, and starts it. */
    public static BootThread start(String name, Function<FirstBoot.Pause, FirstBoot> procedure) {
        BootThread b = new BootThread(name, procedure);
        b.thread.start();
        return b;
    }

    public BootReport await(Duration deadline) throws InterruptedException {
        try {
            return verdict.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return new BootReport.NoVerdict("the device's registration result");
        } catch (ExecutionException e) {
            return new BootReport.Failed("the simulator failed: " + e.getCause());
        }
    }

    public void stop() {
        cancel.countDown();
        procedure.close();
        thread.interrupt();
        try {
            thread.join(STOP_DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
