package dev.firstboot.rig;

/** ServiceLoader entry point for control kinds (reset, buttons, power). */
public interface ControlsProvider extends PartProvider<Controls> {
}
