package dev.firstboot.rig;

import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tags that mean "this scenario needs the rig to be able to do X". Any other tag on a scenario is just a label.
 * A scenario runs only on a rig that has every capability tag it carries; elsewhere it is reported not applicable.
 */
public final class Capabilities {
    /** Every capability tag a feature may use, without the {@code @}. */
    public static final Set<String> KNOWN = Set.of(
            "x509", "dice", "devkit", "serial", "console", "tpm", "symmetric-key", "hsm", "mqtt", "faults",
            "containers", "physical", "controls", "hsm-x509", "hsm-tpm", "hsm-symmetric-key",
            "x509-issued", "own-identity");

    private Capabilities() {
    }

    /** The capability tags among a scenario's tags (given with or without {@code @}). */
    public static Set<String> required(Collection<String> scenarioTags) {
        Set<String> out = new TreeSet<>();
        for (String tag : scenarioTags) {
            String t = tag.startsWith("@") ? tag.substring(1) : tag;
            if (KNOWN.contains(t)) {
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
                                             java.util.Map<String, String> unavailable, String rigName) {
        StringBuilder out = new StringBuilder("needs " + render(missing) + ", which rig " + rigName
                + " does not have (it has " + render(rigCapabilities) + ")");
        for (String m : new TreeSet<>(missing)) {
            if (unavailable.containsKey(m)) {
                out.append("; @").append(m).append(" is unavailable here: ").append(unavailable.get(m));
            }
        }
        return out.toString();
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
