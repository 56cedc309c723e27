package dev.firstboot.timeline;

import java.util.List;
import java.util.Optional;

/**
 * Did a device wait as long as DPS asked (the {@code retry-after} header or topic parameter) before each status poll?
 * Judged from the service's own timestamps: the response that asked, and the next request from the same device.
 */
public final class RetryAfterCheck {
    /** Timer and scheduling jitter we forgive, in seconds; far below any retry-after DPS sends. */
    static final double TOLERANCE_SECONDS = 0.02;

    private RetryAfterCheck() {
    }

    public sealed interface Result {
        /** Shortest observed wait as a share of what was asked (1.0 = exactly as asked). */
        Optional<Double> shortestWait();

        record Honoured(double shortest) implements Result {
            public Optional<Double> shortestWait() {
                return Optional.of(shortest);
            }
        }

        record Violated(double shortest, String description) implements Result {
            public Optional<Double> shortestWait() {
                return Optional.of(shortest);
            }
        }

        record NoPoll() implements Result {
            public Optional<Double> shortestWait() {
                return Optional.empty();
            }
        }
    }

    /** @param exchanges DPS_REQUEST and DPS_RESPONSE events of one device, in time order */
    public static Result judge(List<TimelineEvent> exchanges) {
        TimelineEvent asked = null;
        double shortest = Double.MAX_VALUE;
        String violation = null;
        int polls = 0;
        for (TimelineEvent e : exchanges) {
            if (e.kind() == EventKind.DPS_RESPONSE) {
                asked = retryAfter(e) > 0 ? e : null;
            } else if (e.kind() == EventKind.DPS_REQUEST && e.is("operation", "status") && asked != null) {
                polls++;
                double wanted = retryAfter(asked);
                double waited = e.seconds() - asked.seconds();
                shortest = Math.min(shortest, waited / wanted);
                if (waited + TOLERANCE_SECONDS < wanted && violation == null) {
                    violation = String.format("it polled %.3f s after DPS asked it to retry after %.0f s "
                            + "(response at %.3f s, poll at %.3f s)", waited, wanted, asked.seconds(), e.seconds());
                }
                asked = null;
            }
        }
        if (polls == 0) {
            return new Result.NoPoll();
        }
        return violation == null ? new Result.Honoured(shortest) : new Result.Violated(shortest, violation);
    }

    private static double retryAfter(TimelineEvent e) {
        try {
            return e.optionalDetail("retryAfter").map(Double::parseDouble).orElse(0.0);
        } catch (NumberFormatException ex) {
            return 0;
        }
    }
}
