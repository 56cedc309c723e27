package dev.firstboot.rig;

import java.util.Set;

/** Controls for rigs whose device needs no reset, buttons or power (in-process simulators). */
public final class NoControls implements ControlsProvider {
    @Override
    public String kind() {
        return "none";
    }

    @Override
    public String description() {
        return "no reset, button or power control (simulated devices boot on request)";
    }

    @Override
    public Spec<Controls> configure(PartConfig config) throws RigException {
        config.allowOnly("kind");
        return new Spec<>() {

            @Override
            public int instances() {
                return Integer.MAX_VALUE;
            }
            @Override
            public Set<String> capabilities() {
                return Set.of();
            }

            @Override
            public Controls start(RigContext context) {
                return Controls.NONE;
            }
        };
    }
}
