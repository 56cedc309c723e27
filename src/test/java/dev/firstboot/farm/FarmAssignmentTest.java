package dev.firstboot.farm;

import dev.firstboot.rig.FarmFiles;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which board runs what: every online board everything, or each pool's online boards sharing by capability. */
class FarmAssignmentTest {
    @TempDir
    Path dir;

    private List<FarmFiles.Board> boards() throws Exception {
        StringBuilder yaml = new StringBuilder("name: f\nbackend:\n  kind: embedded\nboards:\n");
        String[][] boards = {{"a1", "pool-a", "[]"}, {"a2", "pool-a", "[]"}, {"a3", "pool-a", "[hsm]"},
                {"b1", "pool-b", "[]"}};
        for (String[] b : boards) {
            yaml.append("""
                      - name: %s
                        pool: %s
                        capabilities: %s
                        device:
                          kind: devkit-serial
                          port: /dev/tty-%s
                          firmware:
                            bin: %s
                            map: %s
                        controls:
                          kind: commands
                          reset: "true"
                          press-a: "true"
                          release-a: "true"
                    """.formatted(b[0], b[1], b[2], b[0], Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map")));
        }
        return FarmFiles.read(Files.writeString(dir.resolve("f.yaml"), yaml.toString())).boards();
    }

    private static ScenarioPlan.Planned scenario(String name, String... needs) {
        return new ScenarioPlan.Planned("F", name, "/f.feature:" + name.hashCode(), Set.of(needs));
    }

    @Test
    void spreadGivesEachScenarioToOneCapableOnlineBoardPerPoolEvenly() throws Exception {
        List<FarmFiles.Board> boards = boards();
        Map<String, Health> health = new LinkedHashMap<>();
        health.put("a1", new Health.Online("ok"));
        health.put("a2", new Health.Offline("no banner"));
        health.put("a3", new Health.Online("ok"));
        health.put("b1", new Health.Online("ok"));
        List<ScenarioPlan.Planned> plan = List.of(scenario("s1", "devkit"), scenario("s2", "devkit"), scenario("s3", "devkit"),
                scenario("s4", "devkit"), scenario("hsm-only", "hsm"));

        Map<String, List<ScenarioPlan.Planned>> work = FarmRunner.assign(boards, health, plan, true);
        assertThat(work).doesNotContainKey("a2");
        // pool-a: the offline a2's share goes to a1 and a3; the @hsm scenario only to a3, which has it.
        assertThat(work.get("a3")).extracting(ScenarioPlan.Planned::name).contains("hsm-only");
        assertThat(work.get("a1")).extracting(ScenarioPlan.Planned::name).doesNotContain("hsm-only");
        assertThat(work.get("a1").size() + work.get("a3").size()).isEqualTo(5);
        assertThat(Math.abs(work.get("a1").size() - work.get("a3").size())).isLessThanOrEqualTo(1);
        // pool-b's only board gets every scenario once; the one it cannot do is reported not applicable by its run.
        assertThat(work.get("b1")).hasSize(5);
    }

    @Test
    void everyBoardModeGivesEveryOnlineBoardEverything() throws Exception {
        List<FarmFiles.Board> boards = boards();
        Map<String, Health> health = new LinkedHashMap<>();
        boards.forEach(b -> health.put(b.name(), b.name().equals("b1") ? new Health.Offline("gone") : new Health.Online("ok")));
        List<ScenarioPlan.Planned> plan = List.of(scenario("s1", "devkit"), scenario("s2"));
        Map<String, List<ScenarioPlan.Planned>> work = FarmRunner.assign(boards, health, plan, false);
        assertThat(work.keySet()).containsExactly("a1", "a2", "a3");
        assertThat(work.values()).allSatisfy(w -> assertThat(w).hasSize(2));
    }

    @Test
    void anInconclusiveScenarioIsARigFailureTheFarmRetriesAndAFailedOneIsTheDevices() {
        assertThat(BoardWorker.outcome(dev.firstboot.suite.ScenarioStatus.INCONCLUSIVE, "inconclusive: the host was overloaded (lag 412 ms): …"))
                .isEqualTo(ScenarioRun.Outcome.RIG_FAILURE);
        assertThat(BoardWorker.outcome(dev.firstboot.suite.ScenarioStatus.FAILED, "the boot was too slow: boot → registration "
                + "request took 6.012 s, over its limit of 5 s")).isEqualTo(ScenarioRun.Outcome.FAILED);
        assertThat(BoardWorker.outcome(dev.firstboot.suite.ScenarioStatus.PASSED, "")).isEqualTo(ScenarioRun.Outcome.PASSED);
    }

    @Test
    void onlyRigSignsMakeARigFailure() {
        assertThat(FailureKind.of("rig devkit-01, waiting for the prompt: the serial port closed / stopped answering (EOF)"))
                .isEqualTo(FailureKind.RIG);
        assertThat(FailureKind.of("the reset command `relayctl pulse 1` failed with exit code 1: relay timeout"))
                .isEqualTo(FailureKind.RIG);
        assertThat(FailureKind.of("the press-a command `x` did not finish within 10 s; check the relay"))
                .isEqualTo(FailureKind.RIG);
        assertThat(FailureKind.of("expected the console to echo the quoted UDS as 66 asterisks, got …"))
                .isEqualTo(FailureKind.DEVICE);
        assertThat(FailureKind.of("the board printed \"x\" without the DevKit's boot banner")).isEqualTo(FailureKind.DEVICE);
        assertThat(FailureKind.of("rig bench: the start of the board's boot output was lost on the wire: the first line …"))
                .isEqualTo(FailureKind.RIG);
        assertThat(Optional.of(FailureKind.of("boot → registration request took 6.012 s, over its limit of 5 s")))
                .contains(FailureKind.DEVICE);
    }
}
