package dev.firstboot.rig;

import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineSink;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One set of a rig's parts, held by one scenario at a time: a backend (on the embedded kind, a tenant of the run's
 * one backend with its own listeners, enrollments, hub registries and faults), a device and its controls, and the
 * timeline of the scenario that holds it. The parts write to the lane's sink, which forwards to that timeline, so
 * scenarios running side by side on other lanes never see each other's events.
 */
public final class Lane implements AutoCloseable {
    private final int number;
    private final String rigName;
    private final Redactor redactor;
    private final AtomicReference<Timeline> current;
    private final Backend backend;
    private final Device device;
    private final Controls controls;

    private Lane(int number, String rigName, Redactor redactor, AtomicReference<Timeline> current, Backend backend,
                 Device device, Controls controls) {
        this.number = number;
        this.rigName = rigName;
        this.redactor = redactor;
        this.current = current;
        this.backend = backend;
        this.device = device;
        this.controls = controls;
    }

    /** Starts the parts in dependency order: backend first, so the device knows where to provision, then controls. */
    static Lane start(int number, RigSpec spec, Redactor redactor, Path workDirectory) throws RigException {
        AtomicReference<Timeline> current = new AtomicReference<>(new Timeline(redactor));
        TimelineSink sink = new TimelineSink() {
            @Override
            public void record(Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
                current.get().record(origin, kind, subject, attributes);
            }

            @Override
            public void recordAt(long nanoTime, Origin origin, EventKind kind, String subject,
                                 Map<String, String> attributes) {
                current.get().recordAt(nanoTime, origin, kind, subject, attributes);
            }
        };
        RigContext context = new RigContext(spec.name(), sink, redactor, workDirectory, null);
        Backend backend = spec.backend().start(context);
        Controls controls = null;
        try {
            // Controls before the device: a board's device part resets it and presses its buttons through them.
            controls = spec.controls().start(context.withEndpoints(backend.deviceEndpoints()));
            Device device = spec.device().start(context.withEndpoints(backend.deviceEndpoints()).withControls(controls));
            return new Lane(number, spec.name(), redactor, current, backend, device, controls);
        } catch (RigException | RuntimeException e) {
            closeQuietly(controls);
            backend.close();
            throw e;
        }
    }

    /** 1 for the first lane; a rig run with one thread has only that one. */
    public int number() {
        return number;
    }

    public Backend backend() {
        return backend;
    }

    public Device device() {
        return device;
    }

    public Controls controls() {
        return controls;
    }

    /** The timeline of the scenario holding the lane (or of the last one to hold it). */
    public Timeline timeline() {
        return current.get();
    }

    /** A fresh timeline and a clean backend and device for the next scenario. */
    Timeline beginScenario(String scenarioName) {
        // Stop the last scenario's device and connections first, so nothing they still do lands on the new timeline.
        device.resetForScenario();
        backend.resetForScenario();
        Timeline timeline = new Timeline(redactor);
        current.set(timeline);
        timeline.record(Origin.HARNESS, EventKind.HARNESS_NOTE, rigName, number == 1 ? Map.of("scenario", scenarioName)
                : Map.of("scenario", scenarioName, "lane", Integer.toString(number)));
        return timeline;
    }

    @Override
    public void close() {
        closeQuietly(controls);
        device.close();
        backend.close();
    }

    private static void closeQuietly(Controls controls) {
        if (controls == null) {
            return;
        }
        try {
            controls.close();
        } catch (Exception ignored) {
            // closing is best effort; the device and backend must still be stopped
        }
    }
}
