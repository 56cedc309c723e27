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
 * Runs timed phases: {@code concurrency} client threads take devices in turn and run {@code task} on each, recording
 * wall time, per-device latency, server event-loop CPU, process CPU and peak heap. A phase may run in rounds, so two
 * phases can be interleaved and see the same machine load.
 */
public final class PhaseRunner {
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

    private PhaseRunner() {
    }

    /** Figures gathered over one or more rounds of a phase; {@link #figures()} sums them up. */
    static final class Tally {
        private final String name;
        private final List<Long> latencies = new ArrayList<>();
        private final List<String> failures = new ArrayList<>();
        private int attempted;
        private int failed;
        private long wallNanos;
        private long serverCpuNanos;
        private long processCpuNanos;
        private long peakHeapBytes;

        Tally(String name) {
            this.name = name;
        }

        Figures figures() {
            long[] done = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            double wall = Math.max(1, wallNanos) / 1e9;
            return new Figures(name, attempted, done.length, failed, wall, done.length / wall, percentile(done, 50),
                    percentile(done, 95), percentile(done, 99), serverCpuNanos / 1e9, processCpuNanos / 1e9,
                    peakHeapBytes / (1024.0 * 1024.0), List.copyOf(failures.subList(0, Math.min(5, failures.size()))));
        }
    }

    /** Runs {@code task} on every device, {@code concurrency} at a time, adding what it measured to {@code tally}. */
    static void run(Tally tally, List<BenchDevice> devices, int concurrency, Duration deadline, Task task)
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
        int done = 0;
        for (long l : latencies) {
            if (l >= 0) {
                tally.latencies.add(l);
                done++;
            }
        }
        int notRun = devices.size() - done - failed.get();
        if (notRun > 0) {
            failures.add(notRun + " devices were not run before the deadline of " + deadline.toSeconds() + " s");
        }
        tally.attempted += devices.size();
        tally.failed += devices.size() - done;
        tally.wallNanos += stop - start;
        tally.serverCpuNanos += serverCpuNanos() - serverCpu0;
        tally.processCpuNanos += processCpuNanos() - processCpu0;
        tally.peakHeapBytes = Math.max(tally.peakHeapBytes, heapPeakBytes());
        tally.failures.addAll(failures);
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
