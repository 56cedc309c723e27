package dev.firstboot.rig;

import dev.firstboot.secret.Redactor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A started rig: its {@link Lane}s, each a backend, device and controls that one scenario holds at a time. The first
 * lane starts with the rig, so a part that cannot start fails the run before any scenario; the others start when
 * scenarios running side by side first need them, up to the number the run asked for. A rig of one board has one
 * lane, and its scenarios take turns.
 */
public final class Rig implements AutoCloseable {
    private final RigSpec spec;
    private final Redactor redactor;
    private final Path workDirectory;
    private final int maxLanes;
    private final Lane first;
    private final Object lock = new Object();
    private final Deque<Lane> idle = new ArrayDeque<>();
    private final List<Lane> all = new ArrayList<>();
    private int starting;
    private boolean closed;

    private Rig(RigSpec spec, Redactor redactor, Path workDirectory, int maxLanes, Lane first) {
        this.spec = spec;
        this.redactor = redactor;
        this.workDirectory = workDirectory;
        this.maxLanes = maxLanes;
        this.first = first;
        all.add(first);
        idle.add(first);
    }

    /** A rig of one lane: scenarios take turns. */
    public static Rig start(RigSpec spec, Redactor redactor, Path workDirectory) throws RigException {
        return start(spec, redactor, workDirectory, 1);
    }

    /** A rig of up to {@code lanes} lanes (at most the rig's {@code max-parallel}), the first started now. */
    public static Rig start(RigSpec spec, Redactor redactor, Path workDirectory, int lanes) throws RigException {
        if (lanes < 1 || lanes > spec.maxParallel()) {
            throw new IllegalArgumentException("rig " + spec.name() + " has 1 to " + spec.maxParallel()
                    + " lanes, asked for " + lanes);
        }
        return new Rig(spec, redactor, workDirectory, lanes, Lane.start(1, spec, redactor, workDirectory));
    }

    /**
     * A lane for one scenario, cleaned and on a fresh timeline: an idle one, or a new one while the rig has fewer than
     * its lanes, or the next to come free within {@code deadline}. Give it back with {@link #release}.
     */
    public Lane lease(String scenarioName, Duration deadline) throws RigException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        int number;
        Lane free;
        synchronized (lock) {
            while (true) {
                if (closed) {
                    throw new RigException("rig " + spec.name() + " has been closed (the run is ending)");
                }
                free = idle.pollFirst();
                if (free != null) {
                    number = free.number();
                    break;
                }
                if (all.size() + starting < maxLanes) {
                    starting++;
                    number = all.size() + starting;
                    break;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new RigException("no lane of rig " + spec.name() + " came free within "
                            + String.format(java.util.Locale.ROOT, "%.1f", deadline.toMillis() / 1000.0) + " s: the " + maxLanes + " scenario(s) holding them have not"
                            + " ended; run with fewer --threads, or look for a scenario that hangs");
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
        if (free != null) {
            free.beginScenario(scenarioName);
            return free;
        }
        Lane lane;
        try {
            lane = Lane.start(number, spec, redactor, workDirectory.resolve("lane-" + number));
        } catch (RigException | RuntimeException e) {
            synchronized (lock) {
                starting--;
                lock.notifyAll();
            }
            throw new RigException("rig " + spec.name() + " could not start lane " + number + " of " + maxLanes
                    + " for scenarios in parallel: " + e.getMessage() + "; run with fewer --threads (--threads 1"
                    + " uses only the lane that started with the rig)", e);
        }
        synchronized (lock) {
            starting--;
            all.add(lane);
            if (closed) {
                lane.close();
                throw new RigException("rig " + spec.name() + " has been closed (the run is ending)");
            }
        }
        lane.beginScenario(scenarioName);
        return lane;
    }

    /** Gives a lane back for the next scenario; the lane's device stops when the next scenario begins on it. */
    public void release(Lane lane) {
        synchronized (lock) {
            if (!closed && all.contains(lane) && !idle.contains(lane)) {
                idle.addFirst(lane);
                lock.notifyAll();
            }
        }
    }

    /** The lane that started with the rig: the only one of a rig run one scenario at a time. */
    public Lane first() {
        return first;
    }

    /** How many lanes the rig may have. */
    public int lanes() {
        return maxLanes;
    }

    public String name() {
        return spec.name();
    }

    public RigSpec spec() {
        return spec;
    }

    public Set<String> capabilities() {
        return spec.capabilities();
    }

    public Redactor redactor() {
        return redactor;
    }

    /** Labels for every report entry of this rig: rig name, and the device's own labels. */
    public Map<String, String> labels() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("rig", spec.name());
        out.putAll(first.device().labels());
        return out;
    }

    /** Stops every lane, also those a scenario still holds (the run is over, or interrupted). */
    @Override
    public void close() {
        List<Lane> lanes;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lanes = List.copyOf(all);
            idle.clear();
            lock.notifyAll();
        }
        RuntimeException failure = null;
        for (Lane lane : lanes) {
            try {
                lane.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure; // every lane must still be stopped; the first cause is told
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
