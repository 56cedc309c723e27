package dev.firstboot.farm;

import dev.firstboot.suite.ExitCodes;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A board whose driver hangs is fenced off at its scenario deadline, in the farm's one JVM: the board goes offline
 * with the reason, the scenario it hung in is a rig failure (not retried on a board that is offline), its later
 * scenarios are not run, and the other board runs all of its scenarios.
 */
class FarmDeadlineTest {
    private static final Path FEATURE = Runs.FEATURES.resolve("devkit/configuration-console.feature");

    @TempDir
    Path dir;

    @Test
    void aBoardWhoseResetHangsIsFencedOffAndTheOtherBoardGoesOn() throws Exception {
        Path counter = dir.resolve("resets-02");
        // The health check resets the board twice; its first scenario's reset (the third) never returns, as a stuck
        // relay would not. The controls' own timeout (5 min) is far beyond the farm's scenario-timeout.
        String hangingReset = "n=$(cat " + counter + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + counter
                + "; [ $n -ne 3 ] || exec sleep 600; printf 'reset\\\\n' > FIFO";
        StringWriter text = new StringWriter();
        FarmRunner.Outcome outcome;
        try (SimFarm farm = new SimFarm(dir, List.of(SimFarm.BoardSim.healthy("devkit-01"),
                new SimFarm.BoardSim("devkit-02", Optional.empty(), Optional.of(hangingReset))), "15s")) {
            outcome = new FarmRunner(new PrintWriter(text, true)).run(new FarmRunner.Options(farm.inventory, List.of(),
                    false, 1, 1, Optional.empty(), List.of(FEATURE), dir.resolve("reports")));
        }
        String output = text.toString();
        System.out.println(output);

        assertThat(outcome.exitCode()).as(output).isEqualTo(ExitCodes.FAILED);
        assertThat(outcome.runs().stream().filter(r -> r.board().equals("devkit-01"))).as(output).hasSize(7)
                .allSatisfy(r -> assertThat(r.outcome()).as(r.name() + ": " + r.message()).isEqualTo(ScenarioRun.Outcome.PASSED));

        FarmReport.ReportedBoard hung = outcome.boards().stream().filter(b -> b.name().equals("devkit-02")).findFirst()
                .orElseThrow();
        assertThat(hung.online()).isFalse();
        assertThat(hung.detail()).contains("fenced off").contains("scenario-timeout (15 s)");
        assertThat(output).contains("[devkit-02] OFFLINE for the rest of this run: fenced off during the run")
                .containsPattern("devkit-02 +OFFLINE");

        List<ScenarioRun> mine = outcome.runs().stream().filter(r -> r.board().equals("devkit-02")).toList();
        assertThat(mine).as(output).hasSize(7).allSatisfy(r -> {
            assertThat(r.attempt()).isEqualTo(1);
            assertThat(r.retried()).isFalse();
            assertThat(r.message()).contains("board devkit-02 was fenced off during the run");
        });
        assertThat(mine.stream().filter(r -> r.outcome() == ScenarioRun.Outcome.RIG_FAILURE)).hasSize(1)
                .allSatisfy(r -> assertThat(r.name()).isEqualTo("help lists the ten commands of the configuration console"));
        assertThat(mine.stream().filter(r -> r.outcome() == ScenarioRun.Outcome.NOT_RUN)).hasSize(6)
                .allSatisfy(r -> assertThat(r.message()).startsWith("not run: "));
    }
}
