package dev.firstboot.suite;

/** How a selected scenario ended. Only PASSED counts towards a passing run. */
public enum ScenarioStatus {
    PASSED("PASS"),
    FAILED("FAIL"),
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
