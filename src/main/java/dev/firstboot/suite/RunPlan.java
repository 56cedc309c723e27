package dev.firstboot.suite;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.rig.FarmFiles;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.rig.RigSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a run would do on a rig, worked out without starting it: the selected scenarios that apply, and those that do
 * not with the reason and the rig that would run them. {@code firstboot list}, {@code run --dry-run} and the folded
 * not-applicable lines of a run read it.
 */
public final class RunPlan {
    /** A selected scenario and, when the rig cannot run it, why. */
    public record Entry(Selection.Scenario scenario, Optional<Capabilities.NotApplicable> notApplicable) {
    }

    /** Scenarios that are not applicable for the same reason, with the rig in rigs/ that has what they need. */
    public record Fold(Capabilities.NotApplicable why, Set<String> someAlso, List<String> scenarios,
                       Optional<String> suggestedRig) {
        public Fold {
            someAlso = Set.copyOf(new java.util.TreeSet<>(someAlso));
            scenarios = List.copyOf(scenarios);
        }

        /** One line: {@code 12 scenarios need @tpm: run them with --rig tpm-sim}. */
        public String line() {
            int n = scenarios.size();
            String count = n + " scenario" + (n == 1 ? "" : "s");
            if (why.reason().contains("unavailable here")) {
                return count + " " + why.reason().replaceFirst("^needs ", n == 1 ? "needs " : "need ");
            }
            String how = suggestedRig.map(r -> "run them with --rig " + r)
                    .orElse(why.needs().contains("hsm") ? "run them with 'firstboot certify-hsm --lib YOUR.so' "
                            + "(docs/hsm-certification.md)" : "no rig in rigs/ has " + (why.needs().size() == 1 ? "it" : why.needs().isEmpty() ? "any of them" : "them all")
                            + "; see 'firstboot rigs'");
            if (why.needs().isEmpty()) {
                // folds with nothing in common that no rig here runs: what each needs
                return count + " need one of " + Capabilities.render(someAlso) + ": " + how;
            }
            return count + " need" + (n == 1 ? "s " : " ") + Capabilities.render(why.needs())
                    + (someAlso.isEmpty() ? "" : " (some also " + Capabilities.render(someAlso) + ")") + ": " + how;
        }
    }

    private final RigSpec rig;
    private final List<Entry> entries;

    private RunPlan(RigSpec rig, List<Entry> entries) {
        this.rig = rig;
        this.entries = List.copyOf(entries);
    }

    public static RunPlan of(RigSpec rig, List<Selection.Scenario> selected) {
        List<Entry> entries = new ArrayList<>();
        for (Selection.Scenario s : selected) {
            entries.add(new Entry(s, rig.notApplicable(s.tags())));
        }
        return new RunPlan(rig, entries);
    }

    public List<Entry> entries() {
        return entries;
    }

    public List<Selection.Scenario> applicable() {
        return entries.stream().filter(e -> e.notApplicable().isEmpty()).map(Entry::scenario).toList();
    }

    /** The not-applicable scenarios, grouped by reason, each group with a rig that would run it. */
    public List<Fold> folds(RigFiles rigFiles) {
        return folds(entries.stream().filter(e -> e.notApplicable().isPresent())
                .map(e -> Map.entry(e.scenario().feature() + " › " + e.scenario().name(), e.notApplicable().get()))
                .toList(), rigFiles);
    }

    /** Groups (scenario, reason) pairs by reason, in the order the reasons first appear. */
    static List<Fold> folds(List<Map.Entry<String, Capabilities.NotApplicable>> notApplicable, RigFiles rigFiles) {
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        Map<String, Capabilities.NotApplicable> why = new LinkedHashMap<>();
        for (Map.Entry<String, Capabilities.NotApplicable> e : notApplicable) {
            byReason.computeIfAbsent(e.getValue().reason(), k -> new ArrayList<>()).add(e.getKey());
            why.putIfAbsent(e.getValue().reason(), e.getValue());
        }
        List<Fold> out = new ArrayList<>();
        for (var e : byReason.entrySet()) {
            out.add(new Fold(why.get(e.getKey()), Set.of(), e.getValue(), suggestRig(rigFiles, why.get(e.getKey()).needs())));
        }
        return out;
    }

    /**
     * Folds that the same rig (or {@code certify-hsm}) would run, merged into one, for the terminal: what they all
     * need, and what some need besides.
     */
    static List<Fold> bySolution(List<Fold> folds) {
        Map<String, List<Fold>> groups = new LinkedHashMap<>();
        for (Fold f : folds) {
            String key = f.why().reason().contains("unavailable here") ? "reason " + f.why().reason()
                    : f.suggestedRig().map(r -> "rig " + r)
                    .orElse(f.why().needs().contains("hsm") ? "hsm" : "no rig");
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
        }
        List<Fold> out = new ArrayList<>();
        for (List<Fold> group : groups.values()) {
            if (group.size() == 1) {
                out.add(group.get(0));
                continue;
            }
            Set<String> common = new java.util.TreeSet<>(group.get(0).why().needs());
            Set<String> all = new java.util.TreeSet<>();
            List<String> scenarios = new ArrayList<>();
            for (Fold f : group) {
                common.retainAll(f.why().needs());
                all.addAll(f.why().needs());
                scenarios.addAll(f.scenarios());
            }
            all.removeAll(common);
            out.add(new Fold(new Capabilities.NotApplicable(common, "needs " + Capabilities.render(common)), all,
                    scenarios, group.get(0).suggestedRig()));
        }
        return out;
    }

    /**
     * The rig in rigs/ to run scenarios that need these capabilities: one that has them all here; a simulator before
     * a physical board, then the one with the fewest other capabilities, then by name.
     */
    static Optional<String> suggestRig(RigFiles rigFiles, Set<String> needs) {
        record Candidate(String name, RigSpec spec) {
        }
        List<Candidate> candidates = new ArrayList<>();
        for (String name : rigFiles.names()) {
            try {
                if (FarmFiles.isFarmFile(rigFiles.directory().resolve(name + ".yaml"))) {
                    continue;
                }
                RigSpec spec = rigFiles.load(name);
                if (spec.capabilities().containsAll(needs) && needs.stream().noneMatch(spec.unavailable()::containsKey)) {
                    candidates.add(new Candidate(name, spec));
                }
            } catch (RigException e) {
                // an invalid rig file is no suggestion; 'firstboot rigs' shows its error
            }
        }
        return candidates.stream().min(Comparator
                        .comparing((Candidate c) -> !needs.contains("physical") && c.spec().capabilities().contains("physical"))
                        // a shipped rig before an example that must be edited or installed first
                        .thenComparing(c -> c.name().endsWith(".example"))
                        .thenComparing(c -> c.spec().capabilities().size())
                        .thenComparing(Candidate::name))
                .map(Candidate::name);
    }

    /**
     * Prints the plan: the scenarios that would run, by location, then the not-applicable ones grouped by reason.
     *
     * @return the exit code a run would have if all passed: 0, or 3 when nothing applicable is selected
     */
    public int print(PrintWriter out, RigFiles rigFiles, Path home) {
        List<Selection.Scenario> run = applicable();
        out.println("Rig " + rig.name() + " " + Capabilities.render(rig.capabilities()) + ": " + run.size()
                + " scenario" + (run.size() == 1 ? "" : "s") + " would run, " + (entries.size() - run.size())
                + " not applicable");
        if (!run.isEmpty()) {
            out.println();
            out.println("Would run:");
            for (Selection.Scenario s : run) {
                out.println("  " + relative(s.location(), home) + "  " + s.feature() + " › " + s.name());
            }
        }
        Map<String, List<Selection.Scenario>> byReason = new LinkedHashMap<>();
        for (Entry e : entries) {
            e.notApplicable().ifPresent(na -> byReason.computeIfAbsent(na.reason(), k -> new ArrayList<>()).add(e.scenario()));
        }
        for (Fold fold : folds(rigFiles)) {
            out.println();
            out.println("Not applicable: " + fold.line());
            out.println("  (" + fold.why().reason() + ")");
            for (Selection.Scenario s : byReason.get(fold.why().reason())) {
                out.println("  " + relative(s.location(), home) + "  " + s.feature() + " › " + s.name());
            }
        }
        out.flush();
        return run.isEmpty() ? ExitCodes.NOTHING_RAN : ExitCodes.PASSED;
    }

    static String relative(String location, Path home) {
        Path h = home.toAbsolutePath().normalize();
        return location.startsWith(h + "/") ? location.substring(h.toString().length() + 1) : location;
    }
}
