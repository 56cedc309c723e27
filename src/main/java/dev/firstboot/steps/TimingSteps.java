package dev.firstboot.steps;

import dev.firstboot.report.TimelinePicture;
import dev.firstboot.timeline.BootMark;
import dev.firstboot.timeline.BootPhases;
import dev.firstboot.suite.TimeLimits;
import dev.firstboot.timeline.HostLagProbe;
import dev.firstboot.timeline.Measurement;
import dev.firstboot.timeline.Timeline;
import io.cucumber.datatable.DataTable;
import io.cucumber.java.en.Then;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** Phases of one boot, measured on the shared timeline, each recorded with its limit. */
public final class TimingSteps {
    private final World world;

    public TimingSteps(World world) {
        this.world = world;
    }

    @Then("the boot phases stay within these limits:")
    public void phasesWithin(DataTable table) {
        Timeline timeline = world.wire("the times of the device's requests to DPS and its hub");
        BootPhases phases = BootPhases.of(timeline.events());
        List<String> over = new ArrayList<>();
        List<Overrun> overruns = new ArrayList<>();
        List<Measurement> measured = new ArrayList<>();
        try {
            for (Map<String, String> row : table.asMaps()) {
                BootMark from = mark(row.get("from"));
                BootMark to = mark(row.get("to"));
                double limit = limit(row.get("limit (s)"));
                world.phases.add(new TimelinePicture.MeasuredPhase(from, to, OptionalDouble.of(limit)));
                Optional<Double> seconds = phases.seconds(from, to);
                if (seconds.isEmpty()) {
                    throw new AssertionError("cannot measure " + from.label() + " → " + to.label()
                            + ": the boot timeline has " + phases.seen());
                }
                Measurement m = new Measurement(from.label() + " → " + to.label(), seconds.get(), "s", limit);
                measured.add(m);
                if (!m.withinLimit()) {
                    over.add(String.format("%s → %s took %.3f s, over its limit of %s s", from.label(), to.label(),
                            seconds.get(), row.get("limit (s)").trim()));
                    overruns.add(new Overrun(timeline.nanoTime(phases.mark(from).orElseThrow()),
                            timeline.nanoTime(phases.mark(to).orElseThrow()),
                            Duration.ofNanos(Math.round((seconds.get() - limit) * 1e9))));
                }
            }
        } finally {
            world.measured(measured);
        }
        if (!over.isEmpty()) {
            String failure = "the boot was too slow: " + String.join("; ", over);
            // Inconclusive only when the host's stalls explain every phase over its limit; one they do not explain
            // is the device's.
            HostLagProbe probe = world.run().hostLag();
            if (overruns.stream().allMatch(o -> TimeLimits.explains(probe, o.from(), o.to(), o.overshoot()))) {
                throw TimeLimits.overrun(probe, new AssertionError(failure),
                        overruns.stream().mapToLong(Overrun::from).min().orElseThrow(),
                        overruns.stream().mapToLong(Overrun::to).max().orElseThrow(),
                        overruns.stream().map(Overrun::overshoot).max(Duration::compareTo).orElseThrow());
            }
            throw new AssertionError(failure);
        }
    }

    /** A phase over its limit by {@code overshoot}, from its first mark to its second on System.nanoTime()'s clock. */
    private record Overrun(long from, long to, Duration overshoot) {
    }

    private static BootMark mark(String text) {
        return BootMark.named(text == null ? "" : text).orElseThrow(() -> new IllegalArgumentException(
                "unknown boot mark \"" + text + "\" in the table; known marks are " + BootMark.known()));
    }

    private static double limit(String text) {
        try {
            return Double.parseDouble(text == null ? "" : text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the limit \"" + text + "\" is not a number of seconds");
        }
    }
}
