package dev.firstboot.rig;

/** How a first boot ended, as the device itself reports it (its console or its own result). */
public sealed interface BootReport {
    /** The device says it registered and connected to its hub. */
    record Connected(String assignedHubHost, String deviceId) implements BootReport {
    }

    /** The device says registration failed (status from DPS as the device saw it, and its own words). */
    record Failed(String reason) implements BootReport {
    }

    /** The device gave no verdict before the deadline; {@code waitingFor} says what was awaited. */
    record NoVerdict(String waitingFor) implements BootReport {
    }
}
