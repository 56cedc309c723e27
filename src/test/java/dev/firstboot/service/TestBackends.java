package dev.firstboot.service;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.RigException;
import dev.firstboot.timeline.TimelineSink;

import java.util.List;

/** The embedded backend for tests outside this package: DPS and one hub, {@code hub-a}, retry-after 1 s. */
public final class TestBackends {
    public static final String ID_SCOPE = EmbeddedRig.ID_SCOPE;

    private TestBackends() {
    }

    public static Backend embedded(TimelineSink timeline) throws RigException {
        return EmbeddedBackend.start(new EmbeddedBackend.Settings(ID_SCOPE, 1, List.of("hub-a")), timeline);
    }
}
