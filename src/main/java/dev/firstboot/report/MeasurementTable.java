package dev.firstboot.report;

import dev.firstboot.timeline.Measurement;

import java.util.List;
import java.util.Locale;

/**
 * A step's measurements as a table, the way OpenHTF shows them: measured value, limit, unit, margin and outcome per
 * row. Written as CSV, which the Allure report shows as a table on the step.
 */
public final class MeasurementTable {
    static final List<String> HEADER = List.of("measurement", "value", "limit", "unit", "margin", "outcome");

    private MeasurementTable() {
    }

    public static String csv(List<Measurement> measurements) {
        StringBuilder out = new StringBuilder();
        row(out, HEADER);
        for (Measurement m : measurements) {
            boolean limited = m.limited();
            row(out, List.of(m.name(), number(m.value()), limited ? "≤ " + number(m.limit()) : "none", m.unit(),
                    limited ? margin(m) : "", !limited ? "recorded" : m.withinLimit() ? "PASS" : "FAIL"));
        }
        return out.toString();
    }

    /** What is left of the limit, in the unit and as a share of it; negative when over. */
    static String margin(Measurement m) {
        return number(m.limit() - m.value()) + " " + m.unit()
                + String.format(Locale.ROOT, " (%.0f %%)", m.margin() * 100);
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static void row(StringBuilder out, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            if (i > 0) {
                out.append(',');
            }
            if (c.contains(",") || c.contains("\"") || c.contains("\n")) {
                out.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                out.append(c);
            }
        }
        out.append('\n');
    }
}
