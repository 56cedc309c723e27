package dev.firstboot.rig;

import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/** A rig file that has been read and validated but not started. */
public record RigSpec(String name, String description, Path source, Set<String> capabilities, int maxParallel,
                      PartProvider.Spec<Backend> backend, PartProvider.Spec<Device> device,
                      PartProvider.Spec<Controls> controls) {
    public RigSpec {
        capabilities = Set.copyOf(new TreeSet<>(capabilities));
    }

    /** Capabilities the rig's parts cannot give on this machine, with the reason. */
    public java.util.Map<String, String> unavailable() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        out.putAll(backend.unavailable());
        out.putAll(device.unavailable());
        out.putAll(controls.unavailable());
        return out;
    }

    /** Whether a scenario with these tags cannot run on this rig here, and why (see {@link Capabilities#notApplicable}). */
    public java.util.Optional<Capabilities.NotApplicable> notApplicable(java.util.Collection<String> scenarioTags) {
        return Capabilities.notApplicable(scenarioTags, capabilities, unavailable(), name);
    }
}
