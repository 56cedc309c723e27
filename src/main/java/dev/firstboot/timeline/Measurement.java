package dev.firstboot.timeline;

/**
 * A measured value with its unit and limit, as OpenHTF and LAVA record them: reports and farm statistics read these,
 * not just pass/fail.
 *
 * @param name   what was measured, e.g. {@code register→assigned}
 * @param value  the measured value
 * @param unit   e.g. {@code s}
 * @param limit  the upper limit the scenario set
 */
public record Measurement(String name, double value, String unit, double limit) {
    public boolean withinLimit() {
        return value <= limit;
    }

    /** How much of the limit is left, as a fraction; negative when over. */
    public double margin() {
        return limit == 0 ? 0 : (limit - value) / limit;
    }

    @Override
    public String toString() {
        return String.format("%s = %.3f %s (limit %.3f %s, %s)", name, value, unit, limit, unit,
                withinLimit() ? "within" : "OVER");
    }
}
