package dev.firstboot.suite;

import java.util.Optional;

/**
 * Whether this test run must run the container rig for real. The test command sets
 * {@code FIRSTBOOT_REQUIRE_CONTAINERS=1} where it can set up a Docker engine itself (root on Debian); there, a
 * missing engine is a failure, not a quiet "not applicable".
 */
public final class ContainersRequired {
    private ContainersRequired() {
    }

    public static boolean required() {
        return "1".equals(System.getenv("FIRSTBOOT_REQUIRE_CONTAINERS"));
    }

    /** Empty when containers may be missing here; otherwise why they must not be. */
    public static Optional<String> reason() {
        return required() ? Optional.of("FIRSTBOOT_REQUIRE_CONTAINERS=1 (set by scripts/test.sh as root on Debian)")
                : Optional.empty();
    }

    public static void failIfRequired(Optional<String> whyUnavailable) {
        if (required() && whyUnavailable.isPresent()) {
            throw new AssertionError("containers are unavailable (" + whyUnavailable.get() + "), but this run "
                    + "requires them: the test command could set up a Docker engine here. Check scripts/docker-setup.sh's "
                    + "output above the Maven run.");
        }
    }
}
