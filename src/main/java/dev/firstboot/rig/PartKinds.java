package dev.firstboot.rig;

import java.util.List;

/** The ServiceLoader entry points for rig parts: where the loader and the capability list find part kinds. */
final class PartKinds {
    static final List<Class<? extends PartProvider<?>>> TYPES = List.of(BackendProvider.class, DeviceProvider.class,
            ControlsProvider.class);

    private PartKinds() {
    }
}
