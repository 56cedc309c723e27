package dev.firstboot.service.net;

import java.time.Duration;

/**
 * What one listener grants its clients, so a client that misbehaves (holds connections, dribbles bytes, floods
 * requests) costs the emulator a bounded amount and cannot starve the other devices.
 *
 * @param maxConnections connections open at once; one more is closed as soon as it is accepted
 * @param idleTimeout    how long a connection may go without completing a request (HTTP) or sending anything
 *                       (MQTT); a slow client that dribbles a request is therefore closed as well as a silent one
 * @param maxInFlight    operations being worked on or queued at once; beyond that a request is answered 429 at once
 */
public record Limits(int maxConnections, Duration idleTimeout, int maxInFlight) {
    /** The emulators' defaults: far above what a rig or a farm run needs, far below what exhausts the JVM. */
    public static final Limits DEFAULT = new Limits(256, Duration.ofSeconds(120), 32);

    public Limits {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be a positive duration, was " + idleTimeout);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
    }
}
