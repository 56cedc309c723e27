package dev.firstboot.service.fault;

import dev.firstboot.service.net.ServiceLatency;
import dev.firstboot.rig.Faults;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The faults the DPS fronts (HTTPS and MQTT) and the hubs inject, set at run time through {@link Faults} and
 * consulted by each front per connection and per request. Every fault that fires is a {@code FAULT_INJECTED} event
 * on the timeline (origin SERVICE), so reports show what the device was facing. Thread-safe.
 */
public final class FaultPlan implements Faults {
    /** DPS's polling quota (dps.md §6): this many status requests per device per window. */
    public static final int POLLS_PER_WINDOW = 5;
    public static final Duration POLL_WINDOW = Duration.ofSeconds(10);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    /** The longest retry-after a throttle may ask for, as DPS and the C SDK bound it. */
    public static final int MAX_RETRY_AFTER_SECONDS = 300;
    public static final Duration MAX_DELAY = Duration.ofSeconds(60);

    /** Rate limits a rig sets for the whole run; {@link #clear()} goes back to them. */
    public record RateLimits(int registrationsPerMinute, boolean pollingLimit) {
        public static final RateLimits NONE = new RateLimits(0, false);

        public RateLimits {
            if (registrationsPerMinute < 0) {
                throw new IllegalArgumentException("registrations per minute is 0 (off) or more, got "
                        + registrationsPerMinute);
            }
        }
    }

    /** What a front does with one device request. */
    public sealed interface Verdict {
        Duration delay();

        /** Serve it normally, answering after {@code delay}. */
        record Serve(Duration delay) implements Verdict {
        }

        /** Answer {@code status} instead of serving it ({@code retryAfterSeconds} 0: no retry-after). */
        record Answer(int status, int retryAfterSeconds, String why, Duration delay) implements Verdict {
        }
    }

    /** What a DPS front does with a new connection's TLS. */
    public enum Handshake { NORMAL, FAIL, EXPIRED_CERTIFICATE }

    private final TimelineSink timeline;
    private final Set<String> hubNames;
    private final Supplier<SSLContext> expiredTls;
    private final RateLimits baseline;

    private int throttleLeft;
    private int throttleRetryAfter;
    private int errorsLeft;
    private int errorStatus;
    private Duration delay = Duration.ZERO;
    private int dropsLeft;
    private int handshakeFailuresLeft;
    private boolean expiredCertificate;
    private final Map<String, Long> hubDownUntil = new HashMap<>();
    private int registrationsPerMinute;
    private boolean pollingLimit;
    private final Deque<Long> registrations = new ArrayDeque<>();
    private final Map<String, Deque<Long>> polls = new HashMap<>();
    private volatile Duration serviceLatency = ServiceLatency.ROUND_TRIP;

    /**
     * @param expiredTls makes the server context with an expired certificate, the first time one is needed
     */
    public FaultPlan(TimelineSink timeline, Collection<String> hubNames, Supplier<SSLContext> expiredTls,
                     RateLimits baseline) {
        this.timeline = timeline;
        this.hubNames = Set.copyOf(hubNames);
        this.expiredTls = memoize(expiredTls);
        this.baseline = baseline;
        clear();
    }

    /** A plan that never injects anything, for fronts started on their own. */
    public static FaultPlan none() {
        return new FaultPlan(TimelineSink.NONE, Set.of(), () -> {
            throw new IllegalStateException("no expired certificate without a rig's CA");
        }, RateLimits.NONE);
    }

    /** How long the service takes to answer a device over MQTT (ServiceLatency). Not a fault: clear() keeps it. */
    public Duration serviceLatency() {
        return serviceLatency;
    }

    /**
     * Sets the service's answer time; a benchmark of the emulators' own capacity sets zero, since its clients do
     * not need the round trip that real SDK clients rely on.
     */
    public void serviceLatency(Duration latency) {
        if (latency.isNegative()) {
            throw new IllegalArgumentException("a service latency cannot be negative, was " + latency);
        }
        serviceLatency = latency;
    }

    // ---- Faults, as steps and rigs set them ----

    @Override
    public synchronized void throttle(int count, Duration retryAfter) {
        requireCount(count);
        if (retryAfter.isNegative() || retryAfter.toMillis() % 1000 != 0
                || retryAfter.toSeconds() > MAX_RETRY_AFTER_SECONDS) {
            throw new IllegalArgumentException("retry-after is whole seconds from 0 to " + MAX_RETRY_AFTER_SECONDS
                    + ", got " + retryAfter.toMillis() + " ms");
        }
        throttleLeft = count;
        throttleRetryAfter = (int) retryAfter.toSeconds();
    }

    @Override
    public synchronized void serverErrors(int status, int count) {
        if (status != 500 && status != 503) {
            throw new IllegalArgumentException("a server error is 500 or 503, got " + status);
        }
        requireCount(count);
        errorStatus = status;
        errorsLeft = count;
    }

    @Override
    public synchronized void delayResponses(Duration d) {
        if (d.isNegative() || d.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("a response delay is 0 to " + MAX_DELAY.toSeconds() + " s, got "
                    + d.toMillis() + " ms");
        }
        delay = d;
    }

    @Override
    public synchronized void dropConnectionAfterAccept(int count) {
        requireCount(count);
        dropsLeft = count;
    }

    @Override
    public synchronized void failTlsHandshakes(int count) {
        requireCount(count);
        handshakeFailuresLeft = count;
    }

    @Override
    public synchronized void serveExpiredCertificate(boolean expired) {
        if (expired) {
            expiredTls.get(); // issue it now, so a CA problem shows here and not in a device's handshake
        }
        expiredCertificate = expired;
    }

    @Override
    public synchronized void hubUnavailable(String hubName, Duration duration) {
        if (!hubNames.contains(hubName)) {
            throw new IllegalArgumentException("no hub named '" + hubName + "' in this rig; its hubs are "
                    + String.join(", ", hubNames.stream().sorted().toList()));
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("a hub outage lasts more than 0 s and at most 10 min, got "
                    + duration.toMillis() + " ms");
        }
        hubDownUntil.put(hubName, System.nanoTime() + duration.toNanos());
        timeline.record(Origin.SERVICE, EventKind.FAULT_INJECTED, hubName, Map.of("fault", "hub-unavailable-from",
                "seconds", Long.toString(duration.toSeconds())));
    }

    @Override
    public synchronized void limitRegistrations(int perMinute) {
        if (perMinute < 0) {
            throw new IllegalArgumentException("registrations per minute is 0 (off) or more, got " + perMinute);
        }
        registrationsPerMinute = perMinute;
        registrations.clear();
    }

    @Override
    public synchronized void limitPolling(boolean on) {
        pollingLimit = on;
        polls.clear();
    }

    @Override
    public synchronized void clear() {
        throttleLeft = 0;
        errorsLeft = 0;
        delay = Duration.ZERO;
        dropsLeft = 0;
        handshakeFailuresLeft = 0;
        expiredCertificate = false;
        hubDownUntil.clear();
        registrationsPerMinute = baseline.registrationsPerMinute();
        pollingLimit = baseline.pollingLimit();
        registrations.clear();
        polls.clear();
    }

    // ---- what the fronts ask ----

    /** A DPS front's verdict on one device request; {@code operation} is register or status. */
    public synchronized Verdict onDpsRequest(String transport, String registrationId, String operation) {
        Duration d = delay;
        if (!d.isZero()) {
            inject(registrationId, "delayed", transport, Map.of("delayMs", Long.toString(d.toMillis())));
        }
        if (throttleLeft > 0) {
            throttleLeft = throttleLeft == EVERY ? EVERY : throttleLeft - 1;
            inject(registrationId, "throttled", transport, Map.of("status", "429",
                    "retryAfter", Integer.toString(throttleRetryAfter)));
            return new Verdict.Answer(429, throttleRetryAfter, "throttled by fault injection", d);
        }
        if (errorsLeft > 0) {
            errorsLeft = errorsLeft == EVERY ? EVERY : errorsLeft - 1;
            inject(registrationId, "server-error", transport, Map.of("status", Integer.toString(errorStatus)));
            return new Verdict.Answer(errorStatus, 0, "server error by fault injection", d);
        }
        long now = System.nanoTime();
        if (operation.equals("register") && registrationsPerMinute > 0) {
            purge(registrations, now, MINUTE);
            if (registrations.size() >= registrationsPerMinute) {
                int wait = secondsUntil(registrations.peekFirst() + MINUTE.toNanos(), now);
                inject(registrationId, "registration-rate-limited", transport, Map.of("status", "429",
                        "retryAfter", Integer.toString(wait), "limit", registrationsPerMinute + "/min"));
                return new Verdict.Answer(429, wait, "more than " + registrationsPerMinute
                        + " registrations in a minute", d);
            }
            registrations.addLast(now);
        }
        if (operation.equals("status") && pollingLimit) {
            Deque<Long> mine = polls.computeIfAbsent(registrationId, k -> new ArrayDeque<>());
            purge(mine, now, POLL_WINDOW);
            if (mine.size() >= POLLS_PER_WINDOW) {
                int wait = secondsUntil(mine.peekFirst() + POLL_WINDOW.toNanos(), now);
                inject(registrationId, "polling-rate-limited", transport, Map.of("status", "429",
                        "retryAfter", Integer.toString(wait), "limit", POLLS_PER_WINDOW + "/10s"));
                return new Verdict.Answer(429, wait, "more than " + POLLS_PER_WINDOW
                        + " status polls in 10 s", d);
            }
            mine.addLast(now);
        }
        return new Verdict.Serve(d);
    }

    /** Whether the front closes the connection after sending this answer (a register accepted with 202). */
    public synchronized boolean dropAfter(String transport, String registrationId, String operation, int httpStatus) {
        if (dropsLeft == 0 || !operation.equals("register") || httpStatus != 202) {
            return false;
        }
        dropsLeft = dropsLeft == EVERY ? EVERY : dropsLeft - 1;
        inject(registrationId, "connection-dropped-after-accept", transport, Map.of());
        return true;
    }

    /** A DPS front's verdict on a new connection's TLS; {@code front} names it on the timeline. */
    public synchronized Handshake onConnection(String front) {
        if (handshakeFailuresLeft > 0) {
            handshakeFailuresLeft = handshakeFailuresLeft == EVERY ? EVERY : handshakeFailuresLeft - 1;
            inject(front, "tls-handshake-failed", front, Map.of());
            return Handshake.FAIL;
        }
        if (expiredCertificate) {
            inject(front, "expired-certificate", front, Map.of());
            return Handshake.EXPIRED_CERTIFICATE;
        }
        return Handshake.NORMAL;
    }

    /** The server context with the expired certificate. */
    public SSLContext expiredTls() {
        return expiredTls.get();
    }

    /** Whether {@code hubName} refuses this CONNECT as unavailable (CONNACK 3). */
    public synchronized boolean hubRefuses(String hubName, String clientId) {
        Long until = hubDownUntil.get(hubName);
        if (until == null) {
            return false;
        }
        if (System.nanoTime() - until >= 0) {
            hubDownUntil.remove(hubName);
            return false;
        }
        inject(clientId, "hub-unavailable", "mqtt", Map.of("hub", hubName, "returnCode", "3"));
        return true;
    }

    private void inject(String subject, String fault, String transport, Map<String, String> details) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("fault", fault);
        attrs.put("transport", transport);
        attrs.putAll(details);
        timeline.record(Origin.SERVICE, EventKind.FAULT_INJECTED, subject, attrs);
    }

    private static void purge(Deque<Long> times, long now, Duration window) {
        while (!times.isEmpty() && now - times.peekFirst() >= window.toNanos()) {
            times.removeFirst();
        }
    }

    private static int secondsUntil(long when, long now) {
        long nanos = Math.max(0, when - now);
        return (int) Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    private static void requireCount(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("a fault count is 0 or more (or every request), got " + count);
        }
    }

    private static Supplier<SSLContext> memoize(Supplier<SSLContext> make) {
        return new Supplier<>() {
            private SSLContext made;

            @Override
            public synchronized SSLContext get() {
                if (made == null) {
                    made = make.get();
                }
                return made;
            }
        };
    }
}
