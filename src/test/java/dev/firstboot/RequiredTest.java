package dev.firstboot;

import dev.firstboot.Required.Component;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A missing component fails a test where the test command installs it, and only skips it elsewhere. */
class RequiredTest {
    private static final Optional<String> MISSING = Optional.of("no swtpm on the PATH");

    @Test
    void underTheTestCommandsSwitchAMissingComponentFailsAndSaysWhatToInstall() {
        assertThatThrownBy(() -> Required.check(Component.SWTPM, MISSING, Map.of(Required.ALL, "1"), false))
                .isInstanceOf(AssertionError.class)
                .hasMessage("swtpm (a software TPM 2.0) is missing here (no swtpm on the PATH), but"
                        + " FIRSTBOOT_REQUIRE_ALL=1 (set by scripts/test.sh) says this test must run:"
                        + " scripts/setup.sh swtpm swtpm-tools, then run the test again");
    }

    @Test
    void aComponentsOwnSwitchMakesItAloneRequired() {
        Map<String, String> env = Map.of("FIRSTBOOT_REQUIRE_CONTAINERS", "1");
        assertThatThrownBy(() -> Required.check(Component.CONTAINERS, Optional.of("no engine"), env, false))
                .isInstanceOf(AssertionError.class).hasMessageContaining("FIRSTBOOT_REQUIRE_CONTAINERS=1 says")
                .hasMessageContaining("scripts/docker-setup.sh");
        assertThatThrownBy(() -> Required.check(Component.GCC, Optional.of("no gcc on the PATH"), env, false))
                .isInstanceOf(TestAbortedException.class);
    }

    @Test
    void withoutASwitchAMissingComponentSkipsWithTheReasonNeverPasses() {
        assertThatThrownBy(() -> Required.check(Component.SWTPM, MISSING, Map.of(), false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("no swtpm on the PATH").hasMessageContaining("scripts/setup.sh swtpm swtpm-tools");
    }

    @Test
    void thereIsNothingToInstallForTheStockPortsSoRootMustBindThem() {
        assertThatThrownBy(() -> Required.check(Component.STOCK_PORTS, Optional.of("bind failed"), Map.of(), true))
                .isInstanceOf(AssertionError.class).hasMessageContaining("running as root says this test must run");
    }

    @Test
    void aPresentComponentNeitherFailsNorSkips() {
        assertThatCode(() -> Required.check(Component.SWTPM, Optional.empty(), Map.of(Required.ALL, "1"), true))
                .doesNotThrowAnyException();
    }
}
