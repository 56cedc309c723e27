package dev.firstboot.suite;

import dev.firstboot.timeline.Measurement;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One scenario's result, already masked.
 *
 * @param feature  the feature's name
 * @param name     the scenario's name
 * @param location file:line of the scenario
 * @param message  the reason for a failure, not-applicable or not-run verdict; empty when passed
 * @param detail   the full failure text (stack trace trimmed to the harness); empty when passed
 */
public record ScenarioResult(String feature, String name, String location, ScenarioStatus status, Instant started,
                             Duration duration, String message, String detail, List<Measurement> measurements) {
    public ScenarioResult {
        measurements = List.copyOf(measurements);
    }

    public String firstLineOfMessage() {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
