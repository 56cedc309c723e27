package dev.firstboot.bench;

import dev.firstboot.service.EmulatorStack;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one timed phase: {@code concurrency} client threads take devices in turn and run {@code task} on each, and
 * the phase records wall time, per-device latency, server event-loop CPU, process CPU and peak heap.
 */
public final class Phase {
    /** One unit of client work on one device. */
    @FunctionalInterface
    interface Task {
        void run(BenchDevice device) throws Exception;
    }

    /** What a phase measured. Latencies are in milliseconds; CPU in seconds; heap in MiB. */
    public record Figures(String name, int attempted, int completed, int failed, double wallSeconds, double perSecond,
                   double p50Millis, double p95Millis, double p99Millis, double serverCpuSeconds,
                   double processCpuSeconds, double peakHeapMiB, List<String> firstFailures) {
    }

    private Phase() {
    }

    static Figures run(String name, List<BenchDevice> devices, int concurrency, Duration deadline, Task task)
            throws InterruptedException {
        long[] latencies = new long[devices.size()];
        Arrays.fill(latencies, -1);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicLong lastEnd = new AtomicLong();
        long end = System.nanoTime() + deadline.toNanos();
        resetHeapPeaks();
        long serverCpu0 = serverCpuNanos();
        long processCpu0 = processCpuNanos();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "firstboot-bench-client");
            t.setDaemon(true);
            return t;
        });
        for (int c = 0; c < concurrency; c++) {
            pool.execute(() -> {
                for (int i; (i = next.getAndIncrement()) < devices.size() && System.nanoTime() < end; ) {
                    long t0 = System.nanoTime();
                    try {
                        task.run(devices.get(i));
                        long t1 = System.nanoTime();
                        latencies[i] = t1 - t0;
                        lastEnd.accumulateAndGet(t1, Math::max);
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        if (failures.size() < 5) {
                            failures.add(devices.get(i).registrationId() + ": " + e.getClass().getSimpleName()
                                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
                        }
                    }
                }
            });
        }
        pool.shutdown();
        long waitNanos = Math.max(0, end - System.nanoTime()) + TimeUnit.SECONDS.toNanos(30);
        if (!pool.awaitTermination(waitNanos, TimeUnit.NANOSECONDS)) {
            pool.shutdownNow();
            failures.add("the phase did not finish within its deadline of " + deadline.toSeconds() + " s");
        }
        long stop = Math.max(lastEnd.get(), start + 1);
        long serverCpu = serverCpuNanos() - serverCpu0;
        long processCpu = processCpuNanos() - processCpu0;
        double heap = heapPeakBytes() / (1024.0 * 1024.0);
        long[] done = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
        double wall = (stop - start) / 1e9;
        int notRun = devices.size() - done.length - failed.get();
        if (notRun > 0) {
            failures.add(notRun + " devices were not run before the deadline of " + deadline.toSeconds() + " s");
        }
        return new Figures(name, devices.size(), done.length, devices.size() - done.length, wall,
                done.length / wall, percentile(done, 50), percentile(done, 95), percentile(done, 99),
                serverCpu / 1e9, processCpu / 1e9, heap, List.copyOf(failures));
    }

    private static double percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    /** CPU time of the emulator's event-loop threads (accept and I/O), which is where the server does its work. */
    static long serverCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (n.startsWith(EmulatorStack.IO_THREAD_PREFIX) || n.startsWith(EmulatorStack.ACCEPT_THREAD_PREFIX)) {
                long cpu = threads.getThreadCpuTime(t.getId());
                total += Math.max(0, cpu);
            }
        }
        return total;
    }

    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    private static void resetHeapPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long heapPeakBytes() {
        long total = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                total += pool.getPeakUsage().getUsed();
            }
        }
        return total;
    }
}
