package dev.firstboot.service.remote;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Moves a running emulator's {@link System#nanoTime()} readings onto this process's clock. It asks the emulator for
 * its clock a few times and keeps the answer with the shortest round trip: offset = midpoint of the round trip minus
 * the emulator's reading, off by at most half that round trip. When the offset is smaller than the round trip the
 * two share one clock (the same kernel: this host or a container on it) and the readings are used as they are.
 */
record ClockOffset(long offsetNanos, long lastSeq) {
    private static final int SAMPLES = 5;

    static ClockOffset measure(ServiceConnection connection) {
        long bestRtt = Long.MAX_VALUE;
        long bestOffset = 0;
        long lastSeq = 0;
        for (int i = 0; i < SAMPLES; i++) {
            long t0 = System.nanoTime();
            JsonNode clock = connection.call("GET", "/firstboot/clock", null);
            long t1 = System.nanoTime();
            long rtt = t1 - t0;
            lastSeq = clock.path("lastSeq").asLong();
            if (rtt < bestRtt) {
                bestRtt = rtt;
                bestOffset = t0 + rtt / 2 - clock.path("nanoTime").asLong();
            }
        }
        return new ClockOffset(Math.abs(bestOffset) < bestRtt ? 0 : bestOffset, lastSeq);
    }

    long toLocal(long remoteNanos) {
        return remoteNanos + offsetNanos;
    }
}
