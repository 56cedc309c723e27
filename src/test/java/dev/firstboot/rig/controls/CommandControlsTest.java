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
