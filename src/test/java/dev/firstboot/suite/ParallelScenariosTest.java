package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenarios side by side on one backend, each on a lane of its own: the fault scenarios (every request refused with
 * 500, a hub outage, an expired certificate, …) run beside plain first boots, all under the same registration ids,
 * and every verdict is what it is when they run one at a time. A fault that reached another scenario's device would
 * fail that scenario (a plain boot refused with 500, or a device that gives up suddenly registered).
 */
class ParallelScenariosTest {
    @TempDir
    Path dir;

    @Test
    void faultAndPlainScenariosSideBySideKeepTheirVerdicts() throws Exception {
        Runs.Outcome outcome = Runs.runInParallel("embedded", dir.resolve("reports"), 0,
                Runs.FEATURES.resolve("faults"), Runs.FEATURES.resolve("first-boot"));
        List<ScenarioResult> ran = outcome.summary().scenarios().stream()
                .filter(s -> s.status() != ScenarioStatus.NOT_APPLICABLE).toList();
        assertThat(ran).as(outcome.output()).hasSize(17).allSatisfy(s ->
                assertThat(s.status()).as(s.name() + ": " + s.message()).isEqualTo(ScenarioStatus.PASSED));
        List<ScenarioResult> faults = ran.stream().filter(s -> s.location().contains("dps-faults.feature")).toList();
        List<ScenarioResult> plain = ran.stream().filter(s -> !s.location().contains("dps-faults.feature")).toList();
        assertThat(faults).hasSize(8);
        // They really ran at once: a fault scenario was under way while a plain one was, and so were two faults.
        assertThat(faults).anySatisfy(f -> assertThat(plain).anyMatch(p -> overlap(f, p)));
        assertThat(faults).anySatisfy(f -> assertThat(faults).anyMatch(g -> g != f && overlap(f, g)));
        assertThat(outcome.secrets().leaking()).isEmpty();
    }

    @Test
    void oneThreadRunsTheScenariosOneAfterAnother() throws Exception {
        Runs.Outcome outcome = Runs.runInParallel("embedded", dir.resolve("reports"), 1,
                Runs.FEATURES.resolve("first-boot/x509-individual.feature"));
        List<ScenarioResult> ran = outcome.summary().scenarios().stream()
                .filter(s -> s.status() == ScenarioStatus.PASSED).toList();
        assertThat(ran).as(outcome.output()).hasSizeGreaterThan(3);
        for (ScenarioResult a : ran) {
            assertThat(ran).noneMatch(b -> b != a && overlap(a, b));
        }
    }

    private static boolean overlap(ScenarioResult a, ScenarioResult b) {
        Instant aEnd = a.started().plus(a.duration());
        Instant bEnd = b.started().plus(b.duration());
        return a.started().isBefore(bEnd) && b.started().isBefore(aEnd);
    }
}
