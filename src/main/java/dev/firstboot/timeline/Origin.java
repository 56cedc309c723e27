package dev.firstboot.timeline;

/** Who saw an event happen. Device and service events share one clock, so phases can span both. */
public enum Origin {
    /** The device under test, or its console. */
    DEVICE,
    /** The provisioning service or IoT hub (emulator or container). */
    SERVICE,
    /** Reset, buttons and power. */
    CONTROLS,
    /** The harness itself: scenario boundaries, steps. */
    HARNESS
}
