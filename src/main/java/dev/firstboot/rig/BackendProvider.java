package dev.firstboot.rig;

/** ServiceLoader entry point for provisioning backend kinds. */
public interface BackendProvider extends PartProvider<Backend> {
}
