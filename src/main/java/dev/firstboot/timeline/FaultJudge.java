package dev.firstboot.timeline;


import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What a device did under injected faults, read from the timeline alone: its attempts to reach DPS and its hub, which
 * of them failed, and the waits between. Each check returns the failure message, or empty when the device conformed.
 */
public final class FaultJudge {
    /** The shortest wait a backing-off device leaves after a failure. */
    public static final double MIN_BACKOFF_SECONDS = 0.9;
    /** How much shorter than the previous wait a backoff may be (scheduling jitter). */
    private static final double JITTER = 0.9;
    /** Events are stamped as the service sends and receives; a retry-after wait may show this much shorter. */
    private static final double CLOCK_SLACK = 0.02;

    private enum Channel { DPS, HUB }

    /** One thing the device did or met on a channel; an event can be an attempt and a failure at once. */
    private record Step(Channel channel, double seconds, boolean attempt, boolean failure, boolean success,
                        String what) {
    }

    private final List<TimelineEvent> events;
    private final String registrationId;
    private final List<Step> steps;

    public FaultJudge(List<TimelineEvent> events, String registrationId) {
        this.events = List.copyOf(events);
        this.registrationId = registrationId;
        this.steps = steps(events, registrationId);
    }

    /** The device's own end of its boot: it gave up, or it reached its hub. */
    public static Predicate<TimelineEvent> verdict(String regId) {
        return e -> e.kind() == EventKind.DEVICE_MILESTONE && e.subject().equals(regId)
                && (e.is("milestone", "failed") || e.is("milestone", "hub-connected"));
    }

    public static Predicate<TimelineEvent> gaveUp(String regId) {
        return e -> e.kind() == EventKind.DEVICE_MILESTONE && e.subject().equals(regId)
                && e.is("milestone", "failed");
    }

    public static boolean expiredHandshake(TimelineEvent e) {
        return (e.kind() == EventKind.TLS_HANDSHAKE || e.kind() == EventKind.TLS_FAILED)
                && e.carries("serverCertificate", "expired");
    }

    /** After every 429, the device's next attempt came at least {@code seconds} later. */
    public Optional<String> waitedAfterThrottling(int seconds) {
        int judged = 0;
        for (Step s : steps) {
            if (s.channel() != Channel.DPS || !s.what().startsWith("HTTP 429")) {
                continue;
            }
            Optional<Step> next = nextAttempt(s);
            if (next.isEmpty()) {
                continue;
            }
            judged++;
            double gap = next.get().seconds() - s.seconds();
            if (gap + CLOCK_SLACK < seconds) {
                return Optional.of(String.format("the device retried %.3f s after DPS answered %s at %.3f s; it must "
                        + "wait at least %d s", gap, s.what(), s.seconds(), seconds));
            }
        }
        if (judged == 0) {
            return Optional.of("the device never retried after DPS answered 429, so its wait was not exercised; "
                    + dpsSummary());
        }
        return Optional.empty();
    }

    /** The device retried no more than {@code times} times after failures, on DPS and its hub together. */
    public Optional<String> retriedAtMost(int times) {
        int retries = 0;
        for (Step s : steps) {
            if (s.failure() && nextAttempt(s).isPresent()) {
                retries++;
            }
        }
        if (retries > times) {
            return Optional.of("the device retried " + retries + " times, more than " + times + "; " + dpsSummary());
        }
        return Optional.empty();
    }

    /** Between failures in a row, each wait was at least about a second and no shorter than the one before. */
    public Optional<String> backedOff() {
        int judged = 0;
        for (Channel c : Channel.values()) {
            double previous = 0;
            for (Step s : steps) {
                if (s.channel() != c) {
                    continue;
                }
                if (s.success()) {
                    previous = 0;
                    continue;
                }
                if (!s.failure()) {
                    continue;
                }
                Optional<Step> next = nextAttempt(s);
                if (next.isEmpty()) {
                    continue;
                }
                judged++;
                double gap = next.get().seconds() - s.seconds();
                if (gap < MIN_BACKOFF_SECONDS) {
                    return Optional.of(String.format("the device did not back off: it retried %.3f s after %s at "
                            + "%.3f s; a conforming device waits at least 1 s, and no less each time", gap, s.what(),
                            s.seconds()));
                }
                if (gap < previous * JITTER) {
                    return Optional.of(String.format("the device did not back off: after %s at %.3f s it waited "
                            + "%.3f s, less than the %.3f s it waited after the failure before", s.what(),
                            s.seconds(), gap, previous));
                }
                previous = gap;
            }
        }
        if (judged == 0) {
            return Optional.of("the device never retried after a failure, so its backoff was not exercised; "
                    + dpsSummary());
        }
        return Optional.empty();
    }

    /** The device gave up, by its own report, within the deadline and saying {@code text}. */
    public Optional<String> gaveUp(Optional<TimelineEvent> verdict, int seconds, String text) {
        if (verdict.isEmpty()) {
            return Optional.of("the device had not given up within " + seconds + " s; it was still trying: "
                    + dpsSummary());
        }
        TimelineEvent e = verdict.get();
        if (!e.is("milestone", "failed")) {
            return Optional.of(String.format("expected the device to give up, but it connected to hub %s at %.3f s",
                    e.detail("hub"), e.seconds()));
        }
        if (!e.detail("reason").contains(text)) {
            return Optional.of("the device gave up, but reported \"" + e.detail("reason") + "\", which does not "
                    + "say \"" + text + "\"");
        }
        return Optional.empty();
    }

    /** DPS served its expired certificate, and no handshake with it completed. */
    public Optional<String> neverTrustedExpired() {
        boolean served = events.stream().anyMatch(e -> e.kind() == EventKind.FAULT_INJECTED
                && e.is("fault", "expired-certificate"));
        if (!served) {
            return Optional.of("DPS never served its expired certificate: no connection from the device reached it; "
                    + dpsSummary());
        }
        Optional<TimelineEvent> trusted = events.stream().filter(e -> e.kind() == EventKind.TLS_HANDSHAKE
                && e.carries("serverCertificate", "expired")).findFirst();
        if (trusted.isPresent()) {
            long requests = events.stream().filter(e -> e.kind() == EventKind.DPS_REQUEST
                    && e.subject().equals(registrationId)).count();
            return Optional.of(String.format("the device completed a TLS handshake with DPS's expired certificate at "
                    + "%.3f s and sent %d requests over it", trusted.get().seconds(), requests));
        }
        return Optional.empty();
    }

    /** The device reached the hub after the hub refused it as unavailable at least once. */
    public Optional<String> reconnectedAfterOutage(Optional<TimelineEvent> done, int seconds, String hub, String deviceId) {
        List<String> answers = events.stream().filter(e -> e.kind() == EventKind.HUB_CONNACK
                && e.is("hub", hub)).map(e -> String.format("%s at %.3f s → %s", e.subject(),
                e.seconds(), e.detail("returnCode"))).toList();
        if (done.isEmpty()) {
            return Optional.of("expected " + deviceId + " to connect to hub " + hub + " within " + seconds
                    + " s after its outage, but " + (answers.isEmpty() ? "the hub saw no connection attempt"
                    : "the hub answered only: " + answers));
        }
        if (done.get().kind() == EventKind.DEVICE_MILESTONE) {
            return Optional.of("expected " + deviceId + " to connect to hub " + hub + " after its outage, but the "
                    + "device gave up: " + done.get().detail("reason") + "; the hub answered: " + answers);
        }
        boolean refused = events.stream().anyMatch(e -> e.kind() == EventKind.HUB_CONNACK
                && e.is("hub", hub) && e.is("returnCode", "3")
                && e.nanos() < done.get().nanos());
        if (!refused) {
            return Optional.of("the device connected to hub " + hub + " without meeting its outage (no CONNACK 3 "
                    + "before it), so the fault was not exercised");
        }
        return Optional.empty();
    }

    private Optional<Step> nextAttempt(Step after) {
        boolean past = false;
        for (Step s : steps) {
            if (s == after) {
                past = true;
                continue;
            }
            if (past && s.channel() == after.channel() && s.attempt()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private String dpsSummary() {
        List<TimelineEvent> requests = events.stream().filter(e -> e.kind() == EventKind.DPS_REQUEST
                && e.subject().equals(registrationId)).toList();
        if (requests.isEmpty()) {
            return "DPS saw no request from " + registrationId;
        }
        return String.format("DPS saw %d requests from %s, the first at %.3f s, the last at %.3f s", requests.size(),
                registrationId, requests.get(0).seconds(), requests.get(requests.size() - 1).seconds());
    }

    private static List<Step> steps(List<TimelineEvent> events, String regId) {
        List<Step> out = new ArrayList<>();
        for (TimelineEvent e : events) {
            switch (e.kind()) {
                case DPS_REQUEST -> {
                    if (e.subject().equals(regId)) {
                        out.add(new Step(Channel.DPS, e.seconds(), true, false, false, "a request"));
                    }
                }
                case DPS_RESPONSE -> {
                    if (e.subject().equals(regId)) {
                        int status = parse(e.detail("status"));
                        String what = "HTTP " + status + e.optionalDetail("retryAfter").filter(r -> !r.equals("0"))
                                .map(r -> " with retry-after " + r).orElse("");
                        out.add(new Step(Channel.DPS, e.seconds(), false, status >= 429, status < 300, what));
                    }
                }
                case FAULT_INJECTED -> {
                    String fault = e.detail("fault");
                    if (fault.equals("tls-handshake-failed")) {
                        out.add(new Step(Channel.DPS, e.seconds(), true, true, false, "a failed TLS handshake"));
                    } else if (fault.equals("connection-dropped-after-accept") && e.subject().equals(regId)) {
                        out.add(new Step(Channel.DPS, e.seconds(), false, true, false, "a dropped connection"));
                    }
                }
                case TLS_FAILED -> {
                    if (e.carries("serverCertificate", "expired")) {
                        out.add(new Step(Channel.DPS, e.seconds(), true, true, false,
                                "a TLS handshake with an expired certificate"));
                    }
                }
                case HUB_CONNECT -> out.add(new Step(Channel.HUB, e.seconds(), true, false, false, "a hub connection"));
                case HUB_CONNACK -> {
                    String code = e.detail("returnCode");
                    out.add(new Step(Channel.HUB, e.seconds(), false, code.equals("3"), code.equals("0"),
                            "CONNACK " + code + " from hub " + e.detail("hub")));
                }
                default -> {
                }
            }
        }
        return out;
    }

    private static int parse(String status) {
        try {
            return Integer.parseInt(status);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
