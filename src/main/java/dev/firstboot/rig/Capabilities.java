package dev.firstboot.rig;

import java.util.Collection;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tags that mean "this scenario needs the rig to be able to do X". Core keeps no list of them: each kind of rig
 * part declares the tags it can give ({@link PartProvider#capabilityTags()}), and the known capabilities are the
 * union over every part kind found through ServiceLoader. Any other tag on a scenario is just a label. A scenario runs
 * only on a rig that has every capability tag it carries; elsewhere it is reported not applicable.
 */
public final class Capabilities {
    private static final Map<ClassLoader, Set<String>> KNOWN_BY_LOADER = new java.util.concurrent.ConcurrentHashMap<>();

    private Capabilities() {
    }

    /**
     * Every capability tag that some part kind declares, without the {@code @}: the kinds the thread's context class
     * loader finds, as {@link RigFiles} finds them.
     */
    public static Set<String> known() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = Capabilities.class.getClassLoader();
        }
        return KNOWN_BY_LOADER.computeIfAbsent(loader, Capabilities::known);
    }

    /** The capability tags the part kinds that {@code loader} finds declare. */
    public static Set<String> known(ClassLoader loader) {
        Set<String> out = new TreeSet<>();
        for (Class<? extends PartProvider<?>> type : PartKinds.TYPES) {
            for (PartProvider<?> p : ServiceLoader.load(type, loader)) {
                out.addAll(p.capabilityTags());
            }
        }
        return Set.copyOf(out);
    }

    /** The capability tags among a scenario's tags (given with or without {@code @}). */
    public static Set<String> required(Collection<String> scenarioTags) {
        return required(scenarioTags, known());
    }

    /** As {@link #required(Collection)}, against a given set of known capabilities. */
    public static Set<String> required(Collection<String> scenarioTags, Set<String> knownCapabilities) {
        Set<String> out = new TreeSet<>();
        for (String tag : scenarioTags) {
            String t = tag.startsWith("@") ? tag.substring(1) : tag;
            if (knownCapabilities.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Why a scenario does not apply: the capabilities it needs that the rig lacks, and, for those the rig would have
     * on a better-equipped machine, what is missing here.
     */
    public static String notApplicableReason(Set<String> missing, Set<String> rigCapabilities,
                                             Map<String, String> unavailable, String rigName) {
        StringBuilder out = new StringBuilder("needs " + render(missing) + ", which rig " + rigName
                + " does not have (it has " + render(rigCapabilities) + ")");
        for (String m : new TreeSet<>(missing)) {
            if (unavailable.containsKey(m)) {
                out.append("; @").append(m).append(" is unavailable here: ").append(unavailable.get(m));
            }
        }
        return out.toString();
    }

    /**
     * Why a scenario with these tags cannot run on a rig: the capabilities it needs that the rig lacks (or that one
     * of its parts cannot give on this machine), with the reason in words.
     */
    public record NotApplicable(Set<String> needs, String reason) {
        public NotApplicable {
            needs = Set.copyOf(new TreeSet<>(needs));
        }
    }

    /** The one rule of applicability: a scenario runs only on a rig that has, here, every capability it needs. */
    public static java.util.Optional<NotApplicable> notApplicable(Collection<String> scenarioTags, Set<String> rigCapabilities,
                                                                   java.util.Map<String, String> unavailable, String rigName) {
        Set<String> missing = new TreeSet<>(required(scenarioTags));
        missing.removeAll(rigCapabilities);
        if (!missing.isEmpty()) {
            return java.util.Optional.of(new NotApplicable(missing,
                    notApplicableReason(missing, rigCapabilities, unavailable, rigName)));
        }
        // A capability one part gives but another part of the rig cannot give here (a containers backend with no
        // Docker engine, say, under a device that speaks X.509) still makes the scenario not applicable.
        Set<String> blocked = new TreeSet<>(required(scenarioTags));
        blocked.retainAll(unavailable.keySet());
        if (!blocked.isEmpty()) {
            StringBuilder reason = new StringBuilder("needs " + render(blocked) + ", which rig " + rigName
                    + " cannot give here");
            blocked.forEach(c -> reason.append("; @").append(c).append(" is unavailable here: ").append(unavailable.get(c)));
            return java.util.Optional.of(new NotApplicable(blocked, reason.toString()));
        }
        return java.util.Optional.empty();
    }

    public static String render(Collection<String> capabilities) {
        StringBuilder out = new StringBuilder();
        for (String c : new TreeSet<>(capabilities)) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append('@').append(c);
        }
        return out.isEmpty() ? "(none)" : out.toString();
    }
}
