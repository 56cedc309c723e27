package dev.firstboot.service.hub;

import io.netty.channel.Channel;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Direct-method calls in flight on one hub, by request id; the device's response or its disconnect ends each. */
final class MethodCalls {
    private record Pending(String deviceId, Channel channel, CompletableFuture<MethodOutcome> outcome) {
    }

    private final AtomicLong nextRid = new AtomicLong(1);
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();

    /** A new request id (hex, as the real hub's are opaque strings) and the future its response completes. */
    String open(String deviceId, Channel channel, CompletableFuture<MethodOutcome> outcome) {
        String rid = Long.toHexString(nextRid.getAndIncrement());
        pending.put(rid, new Pending(deviceId, channel, outcome));
        return rid;
    }

    void forget(String rid) {
        pending.remove(rid);
    }

    /** The device's response; false when no call from this device waits on {@code rid}. */
    boolean answer(String deviceId, String rid, int status, String payload) {
        Pending p = pending.get(rid);
        if (p == null || !p.deviceId().equals(deviceId)) {
            return false;
        }
        pending.remove(rid);
        p.outcome().complete(new MethodOutcome.Answered(status, payload));
        return true;
    }

    /** Every call waiting on {@code channel} ends: the device went away before answering. */
    void disconnected(Channel channel) {
        pending.entrySet().removeIf(e -> {
            if (e.getValue().channel() == channel) {
                e.getValue().outcome().complete(new MethodOutcome.DeviceOffline(
                        "the device disconnected before answering"));
                return true;
            }
            return false;
        });
    }

    void clear(String reason) {
        pending.values().forEach(p -> p.outcome().complete(new MethodOutcome.DeviceOffline(reason)));
        pending.clear();
    }
}
