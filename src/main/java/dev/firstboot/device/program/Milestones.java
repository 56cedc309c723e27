package dev.firstboot.device.program;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The milestone patterns of a device program: each console line is matched against every pattern (anywhere in the
 * line), and a match becomes a device milestone whose details are the pattern's named groups.
 */
final class Milestones {
    static final String REGISTERING = "registering";
    /** A TPM device activated DPS's challenge (the "activated" boot mark). */
    static final String ACTIVATED = "activated";
    static final String ASSIGNED = "assigned";
    static final String HUB_CONNECTED = "hub-connected";
    static final String TELEMETRY_SENT = "telemetry-sent";
    static final String FAILED = "failed";
    /** Every milestone a rig may name, in boot order. */
    static final List<String> NAMES = List.of(REGISTERING, ACTIVATED, ASSIGNED, HUB_CONNECTED, TELEMETRY_SENT, FAILED);

    /** What the reference programs print (docs/device-programs.md), used when a rig names no milestones. */
    static final Map<String, String> REFERENCE = referencePatterns();

    /** The named groups a pattern may have: each becomes a detail of the milestone event, so each is declared. */
    static final List<String> GROUPS = List.of("hub", "device", "reason");

    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

    private final Map<String, Pattern> patterns;

    Milestones(Map<String, Pattern> patterns) {
        this.patterns = new LinkedHashMap<>(patterns);
    }

    private static Map<String, String> referencePatterns() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(REGISTERING, "firstboot-ref: registering");
        m.put(ACTIVATED, "firstboot-ref: activated");
        m.put(ASSIGNED, "firstboot-ref: assigned hub=(?<hub>\\S+) device=(?<device>\\S+)");
        m.put(HUB_CONNECTED, "firstboot-ref: connected hub=(?<hub>\\S+) device=(?<device>\\S+)");
        m.put(TELEMETRY_SENT, "firstboot-ref: telemetry sent");
        m.put(FAILED, "firstboot-ref: failed: (?<reason>.*)");
        return Map.copyOf(m);
    }

    /** The named groups of a pattern, in order (Java 17 has no API for them). */
    static List<String> groupNames(Pattern pattern) {
        List<String> out = new ArrayList<>();
        Matcher m = GROUP_NAME.matcher(pattern.pattern());
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** A milestone a line matched: its name and its named groups' values (absent groups omitted). */
    record Hit(String name, Map<String, String> details) {
        String detail(String group) {
            return details.getOrDefault(group, "");
        }
    }

    List<Hit> match(String line) {
        List<Hit> hits = new ArrayList<>();
        for (Map.Entry<String, Pattern> p : patterns.entrySet()) {
            Matcher m = p.getValue().matcher(line);
            if (m.find()) {
                Map<String, String> details = new LinkedHashMap<>();
                for (String group : groupNames(p.getValue())) {
                    Optional.ofNullable(m.group(group)).ifPresent(v -> details.put(group, v.trim()));
                }
                hits.add(new Hit(p.getKey(), details));
            }
        }
        return hits;
    }

    boolean watches(String name) {
        return patterns.containsKey(name);
    }
}
