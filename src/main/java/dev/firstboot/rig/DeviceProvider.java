package dev.firstboot.rig;

/** ServiceLoader entry point for device kinds. */
public interface DeviceProvider extends PartProvider<Device> {
}
