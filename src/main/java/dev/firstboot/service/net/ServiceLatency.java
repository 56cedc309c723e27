package dev.firstboot.service.net;

import java.time.Duration;

/**
 * How long the emulators take to answer a device's MQTT request: the round trip a real DPS or IoT hub has, which
 * a loopback emulator would otherwise cut to well under a millisecond. Real clients rely on it without saying so
 * (docs/sdk-fidelity.md):
 * <ul>
 *   <li>the Java SDK 2.5.0 hub client records a publish's packet id only after Paho's publish() returns, and drops a
 *   PUBACK that arrives sooner;</li>
 *   <li>the Java provisioning client 2.1.3 publishes a DPS request, then starts waiting for the answer: an answer
 *   that arrives in between wakes nobody, and the client gives up after 10 s although the answer is in its queue.</li>
 * </ul>
 * The round trip a stack uses is its {@code FaultPlan}'s ({@code serviceLatency}); the registration benchmark sets
 * zero, since it measures the emulators' own capacity with clients that need no round trip.
 */
public final class ServiceLatency {
    /** One service round trip: a hub's PUBACK, a DPS answer over MQTT. */
    public static final Duration ROUND_TRIP = Duration.ofMillis(50);

    private ServiceLatency() {
    }
}
