package dev.firstboot.rig;

import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.TimelineSink;

import java.nio.file.Path;

/**
 * What every part gets when it starts: the run's timeline sink (which always writes to the current scenario's
 * timeline), the redactor for secrets, a private working directory, and, for devices, the backend's endpoints and
 * the rig's controls.
 */
public record RigContext(String rigName, TimelineSink timeline, Redactor redactor, Path workDirectory,
                         DeviceEndpoints endpoints, Controls controls) {
    public RigContext(String rigName, TimelineSink timeline, Redactor redactor, Path workDirectory,
                      DeviceEndpoints endpoints) {
        this(rigName, timeline, redactor, workDirectory, endpoints, Controls.NONE);
    }

    public RigContext withEndpoints(DeviceEndpoints e) {
        return new RigContext(rigName, timeline, redactor, workDirectory, e, controls);
    }

    public RigContext withControls(Controls c) {
        return new RigContext(rigName, timeline, redactor, workDirectory, endpoints, c);
    }
}
