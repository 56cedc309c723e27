package dev.firstboot.suite;

/** The harness version, from the jar manifest; {@code dev} when run from classes. */
public final class HarnessVersion {
    private HarnessVersion() {
    }

    public static String get() {
        String v = HarnessVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
