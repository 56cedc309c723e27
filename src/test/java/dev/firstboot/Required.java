package dev.firstboot;

import dev.firstboot.device.tpm.Swtpm;
import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The one rule for a test that needs a component from outside the JVM: where the test command installs it
 * (scripts/test.sh sets {@value #ALL}), a missing component fails the test and says what to install; elsewhere (a
 * developer's machine without it) the test is skipped with the same reason, never passed. (socat is not here: the
 * pty tests cannot skip at all, and fail saying how to install it.)
 * <p>
 * {@code FIRSTBOOT_REQUIRE_<COMPONENT>=1} makes one component required, e.g. {@code FIRSTBOOT_REQUIRE_CONTAINERS=1}.
 */
public final class Required {
    /** Makes every component required: the test command sets it where it can install them all (root on Debian). */
    public static final String ALL = "FIRSTBOOT_REQUIRE_ALL";

    /** A component a test needs, what it is called, and the command that installs it. */
    public enum Component {
        SWTPM("swtpm (a software TPM 2.0)", "scripts/setup.sh swtpm swtpm-tools"),
        GCC("gcc", "scripts/setup.sh gcc libc6-dev"),
        TPM2_TSS("the tpm2-tss library and headers with gcc and swtpm",
                "scripts/setup.sh gcc libc6-dev libtss2-dev swtpm swtpm-tools"),
        CONTAINERS("a Docker engine with the emulator image",
                "eval \"$(scripts/docker-setup.sh)\" as root on Debian (docs/containers.md); check its output"),
        NODE("node with the Node reference program's Azure IoT SDK",
                "npm ci --prefix device-programs/node, with node on the PATH"),
        CHROMIUM("chromium", "scripts/setup.sh chromium"),
        /** Binding 443 and 8883 on 127/8 addresses; nothing to install, but root, and required whenever root. */
        STOCK_PORTS("the stock Azure ports (443, 8883) on 127/8 addresses",
                "run as root on Linux, where all of 127/8 is loopback (scripts/test.sh runs as root in CI)");

        private final String what;
        private final String install;

        Component(String what, String install) {
            this.what = what;
            this.install = install;
        }

        /** The switch that makes this component alone required. */
        public String switchName() {
            return "FIRSTBOOT_REQUIRE_" + name();
        }

        public String install() {
            return install;
        }
    }

    private Required() {
    }

    /** Fails or skips the calling test when {@code whyMissing} is present, as {@link Required} says; else nothing. */
    public static void check(Component component, Optional<String> whyMissing) {
        check(component, whyMissing, System.getenv(), "root".equals(System.getProperty("user.name")));
    }

    /** {@link #check(Component, Optional)} with the environment and user given, so the rule itself can be tested. */
    static void check(Component component, Optional<String> whyMissing, Map<String, String> env, boolean root) {
        if (whyMissing.isEmpty()) {
            return;
        }
        Optional<String> by = requiredBy(component, env, root);
        if (by.isPresent()) {
            throw new AssertionError(component.what + " is missing here (" + whyMissing.get() + "), but " + by.get()
                    + " says this test must run: " + component.install + ", then run the test again");
        }
        Assumptions.abort(component.what + " is missing here (" + whyMissing.get() + "); to run this test: "
                + component.install + " (scripts/test.sh does, and makes the test required)");
    }

    /** What makes {@code component} required in this run, or empty when it may be missing. */
    static Optional<String> requiredBy(Component component, Map<String, String> env, boolean root) {
        if ("1".equals(env.get(ALL))) {
            return Optional.of(ALL + "=1 (set by scripts/test.sh)");
        }
        if ("1".equals(env.get(component.switchName()))) {
            return Optional.of(component.switchName() + "=1");
        }
        if (component == Component.STOCK_PORTS && root) {
            return Optional.of("running as root");
        }
        return Optional.empty();
    }

    /** True when this run must have {@code component} (a missing one fails). */
    public static boolean required(Component component) {
        return requiredBy(component, System.getenv(), "root".equals(System.getProperty("user.name"))).isPresent();
    }

    /** Fails or skips unless swtpm is on the PATH. */
    public static void swtpm() {
        check(Component.SWTPM, Swtpm.installed() ? Optional.empty() : Optional.of("no swtpm on the PATH"));
    }

    /** Fails or skips unless gcc is on the PATH. */
    public static void gcc() {
        check(Component.GCC, onPath("gcc").isPresent() ? Optional.empty() : Optional.of("no gcc on the PATH"));
    }

    /** Fails or skips unless the TPM reference adapter can be built and run here (gcc, tpm2-tss headers, swtpm). */
    public static void tpm2Tss() {
        Optional<String> why = onPath("gcc").isEmpty() ? Optional.of("no gcc on the PATH")
                : !Files.isRegularFile(Path.of("/usr/include/tss2/tss2_esys.h"))
                ? Optional.of("no /usr/include/tss2/tss2_esys.h")
                : Swtpm.installed() ? Optional.<String>empty() : Optional.of("no swtpm on the PATH");
        check(Component.TPM2_TSS, why);
    }

    /** The executable {@code name} on the PATH (or in /usr/bin), or empty. */
    public static Optional<Path> onPath(String name) {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin")
                .split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
