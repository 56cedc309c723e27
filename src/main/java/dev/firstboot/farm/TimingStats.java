package dev.firstboot.farm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** p50/p95 of each measured boot phase, per board, over every boot of a run (or of several merged runs). */
final class TimingStats {
    /** One phase on one board: every sample, in seconds (or the measurement's unit). */
    record PhaseSamples(String board, String name, String unit, List<Double> samples) {
        PhaseSamples {
            samples = List.copyOf(samples);
        }

        double p50() {
            return percentile(samples, 50);
        }

        double p95() {
            return percentile(samples, 95);
        }
    }

    private final Map<String, Map<String, List<Double>>> samples = new TreeMap<>();
    private final Map<String, String> units = new TreeMap<>();

    void add(String board, String phase, String unit, double value) {
        samples.computeIfAbsent(board, b -> new TreeMap<>()).computeIfAbsent(phase, p -> new ArrayList<>()).add(value);
        units.put(phase, unit);
    }

    List<PhaseSamples> phases() {
        List<PhaseSamples> out = new ArrayList<>();
        samples.forEach((board, byPhase) -> byPhase.forEach((phase, values) ->
                out.add(new PhaseSamples(board, phase, units.getOrDefault(phase, ""), values))));
        return out;
    }

    /** Nearest-rank percentile: the smallest sample with at least p % of the samples at or below it. */
    static double percentile(List<Double> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** A table for the terminal: board, phase, n, p50, p95. */
    String table() {
        List<PhaseSamples> phases = phases();
        if (phases.isEmpty()) {
            return "Boot-phase timing: no boot phase was measured (the selected scenarios have no timing step)\n";
        }
        StringBuilder out = new StringBuilder("Boot-phase timing per board (p50 / p95 over n boots):\n");
        for (PhaseSamples p : phases) {
            out.append(String.format(Locale.ROOT, "  %-16s %-44s n=%-3d p50 %7.3f %s   p95 %7.3f %s%n", p.board(), p.name(),
                    p.samples().size(), p.p50(), p.unit(), p.p95(), p.unit()));
        }
        return out.toString();
    }
}
