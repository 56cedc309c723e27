package dev.firstboot.timeline;

/**
 * A measured value with its unit and limit, as OpenHTF and LAVA record them: reports and farm statistics read these,
 * not just pass/fail.
 *
 * @param name   what was measured, e.g. {@code register→assigned}
 * @param value  the measured value
 * @param unit   e.g. {@code s}
 * @param limit  the upper limit the scenario set; infinite for a value that is only recorded
 */
public record Measurement(String name, double value, String unit, double limit) {
    /** A value that is recorded for the report and has no upper limit (its check is elsewhere). */
    public static Measurement recorded(String name, double value, String unit) {
        return new Measurement(name, value, unit, Double.POSITIVE_INFINITY);
    }

    /** Whether the scenario set an upper limit on it. */
    public boolean limited() {
        return Double.isFinite(limit) && limit != Double.MAX_VALUE;
    }

    public boolean withinLimit() {
        return value <= limit;
    }

    /** How much of the limit is left, as a fraction; negative when over. */
    public double margin() {
        return limit == 0 ? 0 : (limit - value) / limit;
    }

    @Override
    public String toString() {
        if (!limited()) {
            return String.format("%s = %.3f %s (recorded, no limit)", name, value, unit);
        }
        return String.format("%s = %.3f %s (limit %.3f %s, %s)", name, value, unit, limit, unit,
                withinLimit() ? "within" : "OVER");
    }
}
