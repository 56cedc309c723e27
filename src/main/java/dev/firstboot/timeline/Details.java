package dev.firstboot.timeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The details one {@link EventKind} carries: those every producer writes, those only some write, and whether the kind
 * is a free-form note. An event that carries an undeclared detail, or lacks a required one, is refused when it is
 * made, so a producer that renames a key fails loudly instead of silently weakening the judges that read it.
 *
 * @param required details every event of the kind carries (a value may be empty)
 * @param optional details some events of the kind carry
 * @param open     whether any other detail is allowed too (harness notes for humans; judges never read them)
 */
public record Details(Set<String> required, Set<String> optional, boolean open) {
    public Details {
        required = Set.copyOf(required);
        optional = Set.copyOf(optional);
    }

    static Details of(String... required) {
        return new Details(Set.of(required), Set.of(), false);
    }

    Details maybe(String... more) {
        return new Details(required, Set.of(more), open);
    }

    static Details anything() {
        return new Details(Set.of(), Set.of(), true);
    }

    public boolean declares(String key) {
        return open || required.contains(key) || optional.contains(key);
    }

    /** Why {@code details} do not fit this declaration, or empty when they do. */
    List<String> problems(EventKind kind, Map<String, String> details) {
        List<String> out = new ArrayList<>();
        for (String key : sorted(required)) {
            if (!details.containsKey(key)) {
                out.add(kind + " needs the detail \"" + key + "\"");
            }
        }
        for (String key : sorted(details.keySet())) {
            if (!declares(key)) {
                out.add(kind + " has no detail \"" + key + "\" (it has " + described() + ")");
            }
        }
        return out;
    }

    String described() {
        if (open) {
            return "any detail";
        }
        List<String> names = new ArrayList<>(sorted(required));
        sorted(optional).forEach(o -> names.add(o + "?"));
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().toList();
    }
}
