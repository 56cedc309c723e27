package dev.firstboot.suite;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What a run prints: plain lines for pipes, a live line and colour on a terminal, quiet, verbose, folded N/A. */
class ProgressPrinterTest {
    final StringWriter text = new StringWriter();
    final RigFiles rigs = new RigFiles(Runs.RIGS);

    ProgressPrinter printer(Terminal t) {
        return new ProgressPrinter(new PrintWriter(text, true), t, rigs);
    }

    static ScenarioResult result(String name, ScenarioStatus status, String message) {
        return new ScenarioResult("Feature", name, "/f.feature:1", status, Instant.now(), Duration.ofMillis(1200),
                message, "", List.of());
    }

    static Optional<Capabilities.NotApplicable> needs(String... caps) {
        return Optional.of(new Capabilities.NotApplicable(Set.of(caps), "needs " + Capabilities.render(Set.of(caps))
                + ", which rig embedded does not have (it has @dice @faults @mqtt @x509)"));
    }

    @Test
    void plainOutputHasOneLinePerScenarioAndFoldsTheNotApplicableOnes() {
        ProgressPrinter p = printer(Terminal.plain());
        p.startingRig("embedded");
        p.planned(2, 3);
        p.scenarioStarted("first");
        p.stepStarted("When the device boots");
        p.finished(result("first", ScenarioStatus.PASSED, ""), Optional.empty());
        for (int i = 0; i < 3; i++) {
            p.finished(result("tpm " + i, ScenarioStatus.NOT_APPLICABLE, "needs @tpm"), needs("tpm"));
        }
        p.finished(result("second", ScenarioStatus.FAILED, "it broke\nbadly"), Optional.empty());
        p.end();
        assertThat(text.toString()).isEqualTo("""
                Starting the rig…
                Running 2 scenarios (3 not applicable on this rig)
                [1/2] PASS  Feature › first (1.2 s)
                [2/2] FAIL  Feature › second (1.2 s)
                         ↳ it broke

                N/A   3 scenarios need @tpm: run them with --rig tpm-sim
                      (--show-skipped lists them one by one; 'firstboot list' shows why)
                """);
    }

    @Test
    void quietShowsOnlyFailuresAndShowSkippedListsEachNotApplicableScenario() {
        ProgressPrinter quiet = printer(new Terminal(false, false, true, false, false));
        quiet.planned(2, 1);
        quiet.finished(result("first", ScenarioStatus.PASSED, ""), Optional.empty());
        quiet.finished(result("tpm", ScenarioStatus.NOT_APPLICABLE, "needs @tpm"), needs("tpm"));
        quiet.finished(result("second", ScenarioStatus.FAILED, "it broke"), Optional.empty());
        quiet.end();
        assertThat(text.toString()).doesNotContain("PASS").doesNotContain("N/A").contains("[2/2] FAIL  Feature › second");

        text.getBuffer().setLength(0);
        ProgressPrinter each = printer(new Terminal(false, false, false, false, true));
        each.planned(0, 1);
        each.finished(result("tpm", ScenarioStatus.NOT_APPLICABLE, "needs @tpm, which rig embedded does not have"), needs("tpm"));
        each.end();
        assertThat(text.toString()).contains("N/A   Feature › tpm (1.2 s)").contains("↳ needs @tpm, which rig embedded")
                .doesNotContain("scenarios need");
    }

    @Test
    void onATerminalALiveLineShowsTheStepAndTheLastEventAndStatusesAreColoured() {
        ProgressPrinter p = printer(new Terminal(true, true, false, true, false));
        p.planned(1, 0);
        p.startingRig("embedded");
        p.scenarioStarted("first");
        p.stepStarted("When the device boots");
        p.event(new TimelineEvent(0, Instant.now(), Origin.DEVICE, EventKind.CONSOLE_LINE, "devkit-01",
                Map.of("line", "DPS Version: 1.0.0")), 0);
        p.event(new TimelineEvent(0, Instant.now(), Origin.DEVICE, EventKind.CONSOLE_LINE, "devkit-01",
                Map.of("line", "WiFi connected")), 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> text.toString().contains("When the device boots · last: "));
        p.finished(result("first", ScenarioStatus.PASSED, ""), Optional.empty());
        p.end();
        String out = text.toString();
        assertThat(out).contains("\r\u001b[K").containsPattern("\\[1/1] \\d+\\.\\d s · When the device boots · last: console line devkit-01 · first")
                .contains("\u001b[2m  │ DPS Version: 1.0.0\u001b[0m")
                .contains("\u001b[2m  │ [lane 3] WiFi connected\u001b[0m")
                .contains("[1/1] \u001b[32mPASS\u001b[0m  Feature › first (1.2 s)");
    }

    @Test
    void onATerminalPassesOfOneFeatureShareALineRewrittenInPlace() {
        ProgressPrinter p = printer(new Terminal(true, false, false, false, false));
        p.planned(3, 0);
        p.finished(result("first", ScenarioStatus.PASSED, ""), Optional.empty());
        p.finished(result("second", ScenarioStatus.PASSED, ""), Optional.empty());
        p.finished(result("third", ScenarioStatus.FAILED, "broke"), Optional.empty());
        p.end();
        assertThat(text.toString()).isEqualTo("Running 3 scenarios\n"
                + "[1/3] PASS  Feature › first (1.2 s)\n"
                + "\u001b[1A\r\u001b[K[2/3] PASS  Feature › 2 scenarios (2.4 s)\n"
                + "[3/3] FAIL  Feature › third (1.2 s)\n"
                + "         ↳ broke\n");
    }
}
