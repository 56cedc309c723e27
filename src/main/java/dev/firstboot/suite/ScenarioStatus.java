package dev.firstboot.suite;

/**
 * How a selected scenario ended. Only PASSED counts towards a passing run. INCONCLUSIVE: a time limit was missed while
 * the host was overloaded, so no verdict on the device was reached (an infrastructure failure, see
 * {@link TimeLimits}).
 */
public enum ScenarioStatus {
    PASSED("PASS"),
    FAILED("FAIL"),
    INCONCLUSIVE("INCO"),
    NOT_APPLICABLE("N/A "),
    NOT_RUN("SKIP");

    private final String tag;

    ScenarioStatus(String tag) {
        this.tag = tag;
    }

    /** Four characters for the progress column. */
    public String tag() {
        return tag;
    }
}
