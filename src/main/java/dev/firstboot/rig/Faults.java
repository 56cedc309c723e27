package dev.firstboot.rig;

import java.time.Duration;

/**
 * Faults a backend can inject so features can judge what a device does under each. A fault lasts until its count is
 * used up, it is cleared, or the scenario ends ({@link Backend#resetForScenario()} clears them all).
 */
public interface Faults {
    /** A count meaning "every one, until cleared". */
    int EVERY = Integer.MAX_VALUE;

    /** The next {@code count} device requests to DPS (any transport) are answered 429 with this retry-after. */
    void throttle(int count, Duration retryAfter);

    /** The next {@code count} device requests to DPS are answered with {@code status}, 500 or 503, and no retry-after. */
    void serverErrors(int status, int count);

    /** Every DPS answer goes out {@code delay} late (zero to stop). */
    void delayResponses(Duration delay);

    /** After each of the next {@code count} register answers of 202, DPS closes the device's connection. */
    void dropConnectionAfterAccept(int count);

    /** The next {@code count} TLS handshakes with DPS fail with a handshake_failure alert. */
    void failTlsHandshakes(int count);

    /** DPS presents a server certificate from the rig's CA whose notAfter is in the past (false to stop). */
    void serveExpiredCertificate(boolean expired);

    /** The hub refuses connections with CONNACK 3 "server unavailable" for {@code duration}, then is normal again. */
    void hubUnavailable(String hubName, Duration duration);

    /** At most this many register requests a minute across all devices, then 429 (0 turns the limit off). */
    void limitRegistrations(int perMinute);

    /** DPS's polling quota: at most 5 status requests per 10 s per device, then 429. */
    void limitPolling(boolean on);

    /** Back to a fault-free service, keeping the rig's own rate limits. */
    void clear();
}
