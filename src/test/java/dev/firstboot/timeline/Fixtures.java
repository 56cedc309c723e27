package dev.firstboot.timeline;

import java.util.LinkedHashMap;
import java.util.Map;

/** Hand-made events for judge tests: the details a test states, and every other required one empty. */
final class Fixtures {
    private Fixtures() {
    }

    static Map<String, String> filled(EventKind kind, Map<String, String> given) {
        Map<String, String> out = new LinkedHashMap<>();
        kind.details().required().forEach(key -> out.put(key, ""));
        out.putAll(given);
        return out;
    }
}
