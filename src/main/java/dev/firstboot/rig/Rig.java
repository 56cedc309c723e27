package dev.firstboot.rig;

import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineSink;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A started rig: backend, device and controls, plus the timeline of the scenario in progress.
 * Parts write to one sink for the whole run; it forwards to the current scenario's timeline.
 */
public final class Rig implements AutoCloseable {
    private final RigSpec spec;
    private final Redactor redactor;
    private final AtomicReference<Timeline> current;
    private final Backend backend;
    private final Device device;
    private final Controls controls;

    private Rig(RigSpec spec, Redactor redactor, AtomicReference<Timeline> current, Backend backend, Device device,
                Controls controls) {
        this.spec = spec;
        this.redactor = redactor;
        this.current = current;
        this.backend = backend;
        this.device = device;
        this.controls = controls;
    }

    /** Starts the parts in dependency order: backend first, so the device knows where to provision, then controls. */
    public static Rig start(RigSpec spec, Redactor redactor, Path workDirectory) throws RigException {
        AtomicReference<Timeline> current = new AtomicReference<>(new Timeline(redactor));
        TimelineSink sink = new TimelineSink() {
            @Override
            public void record(Origin origin, EventKind kind,
                               String subject, Map<String, String> attributes) {
                current.get().record(origin, kind, subject, attributes);
            }

            @Override
            public void recordAt(long nanoTime, Origin origin,
                                 EventKind kind, String subject, Map<String, String> attributes) {
                current.get().recordAt(nanoTime, origin, kind, subject, attributes);
            }
        };
        RigContext context = new RigContext(spec.name(), sink, redactor, workDirectory, null);
        Backend backend = spec.backend().start(context);
        Controls controls = null;
        Device device;
        try {
            // Controls before the device: a board's device part resets it and presses its buttons through them.
            controls = spec.controls().start(context.withEndpoints(backend.deviceEndpoints()));
            device = spec.device().start(context.withEndpoints(backend.deviceEndpoints()).withControls(controls));
            return new Rig(spec, redactor, current, backend, device, controls);
        } catch (RigException | RuntimeException e) {
            if (controls != null) {
                try {
                    controls.close();
                } catch (Exception ignored) {
                    // the backend must still be stopped
                }
            }
            backend.close();
            throw e;
        }
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

    public Backend backend() {
        return backend;
    }

    public Device device() {
        return device;
    }

    public Controls controls() {
        return controls;
    }

    public Redactor redactor() {
        return redactor;
    }

    public Timeline timeline() {
        return current.get();
    }

    /** A fresh timeline and a clean backend and device for the next scenario. */
    public Timeline beginScenario(String scenarioName) {
        // Stop the last scenario's device and connections first, so nothing they still do lands on the new timeline.
        device.resetForScenario();
        backend.resetForScenario();
        Timeline timeline = new Timeline(redactor);
        current.set(timeline);
        timeline.record(Origin.HARNESS, EventKind.HARNESS_NOTE, spec.name(), Map.of("scenario", scenarioName));
        return timeline;
    }

    /** Labels for every report entry of this rig: rig name, and the device's own labels. */
    public Map<String, String> labels() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("rig", spec.name());
        out.putAll(device.labels());
        return out;
    }

    @Override
    public void close() {
        try {
            controls.close();
        } catch (Exception ignored) {
            // closing is best effort; the device and backend must still be stopped
        }
        device.close();
        backend.close();
    }
}
