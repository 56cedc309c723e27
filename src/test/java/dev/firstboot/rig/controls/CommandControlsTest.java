package dev.firstboot.rig.controls;

import dev.firstboot.rig.ControlAction;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.secret.Redactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A physical board's controls: commands run with a deadline, failures say which command, missing ones ask a person. */
class CommandControlsTest {
    @TempDir
    Path dir;
    final Timeline timeline = new Timeline(new Redactor());
    final ByteArrayOutputStream prompts = new ByteArrayOutputStream();

    CommandControls controls(Map<ControlAction, String> commands, Duration timeout, boolean operator) {
        return new CommandControls(commands, timeout, operator, timeline, "bench-1", new PrintStream(prompts, true));
    }

    @Test
    void runsTheConfiguredCommandAndRecordsTheAction() throws Exception {
        Path log = dir.resolve("relay.log");
        controls(Map.of(ControlAction.RESET, "echo reset >> " + log), Duration.ofSeconds(5), false).perform(ControlAction.RESET);
        assertThat(Files.readString(log)).isEqualTo("reset\n");
        assertThat(timeline.events()).anyMatch(e -> e.kind() == EventKind.CONTROL && e.detail("action").equals("reset")
                && e.detail("by").equals("command"));
    }

    @Test
    void aFailingCommandIsReportedWithItsExitCodeAndOutput() {
        CommandControls c = controls(Map.of(ControlAction.POWER_OFF, "echo 'relay not found' >&2; exit 3"), Duration.ofSeconds(5), false);
        assertThatThrownBy(() -> c.perform(ControlAction.POWER_OFF)).isInstanceOf(DeviceException.class)
                .hasMessageContaining("power-off command").hasMessageContaining("exit code 3").hasMessageContaining("relay not found");
    }

    @Test
    void aHangingCommandIsStoppedAtItsDeadline() {
        CommandControls c = controls(Map.of(ControlAction.RESET, "exec tail -f /dev/null"), Duration.ofMillis(300), false);
        assertThatThrownBy(() -> c.perform(ControlAction.RESET)).isInstanceOf(DeviceException.class)
                .hasMessageContaining("did not finish within");
    }

    @Test
    void aChattyCommandIsNotHeldUpByItsOwnOutput() throws Exception {
        // 1.3 MB of output, far more than a pipe holds: unread, the command would block until its deadline.
        CommandControls c = controls(Map.of(ControlAction.POWER_ON, "seq 1 200000; echo done >> " + dir.resolve("log")),
                Duration.ofSeconds(60), false);
        c.perform(ControlAction.POWER_ON);
        assertThat(Files.readString(dir.resolve("log"))).isEqualTo("done\n");
    }

    @Test
    void aHangingCommandIsStoppedWithWhatItStarted() throws Exception {
        Path pid = dir.resolve("pid");
        CommandControls c = controls(Map.of(ControlAction.RESET, "sleep 600 & echo $! > " + pid + "; wait"),
                Duration.ofSeconds(2), false);
        assertThatThrownBy(() -> c.perform(ControlAction.RESET)).hasMessageContaining("did not finish within");
        assertThat(Files.readString(pid).strip()).as("the command started its sleep before its deadline").isNotEmpty();
        ProcessHandle sleep = ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).orElse(null);
        if (sleep != null) {
            sleep.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void anActionWithoutACommandIsAskedOfTheOperator() throws Exception {
        CommandControls c = controls(Map.of(), Duration.ofSeconds(5), true);
        assertThat(c.supports(ControlAction.PRESS_A)).isTrue();
        c.perform(ControlAction.PRESS_A);
        assertThat(prompts.toString()).contains("operator, please press and hold button A now");
        assertThat(timeline.events()).anyMatch(e -> e.kind() == EventKind.CONTROL && e.is("by", "operator"));
    }

    @Test
    void withoutAnOperatorAMissingCommandIsAnError() {
        CommandControls c = controls(Map.of(), Duration.ofSeconds(5), false);
        assertThat(c.supports(ControlAction.RESET)).isFalse();
        assertThatThrownBy(() -> c.perform(ControlAction.RESET)).hasMessageContaining("add a command for reset");
    }
}
