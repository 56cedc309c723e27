package dev.firstboot.rig.controls;

import dev.firstboot.process.ChildProcess;
import dev.firstboot.rig.ControlAction;
import dev.firstboot.rig.Controls;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;

/** Runs the configured command for each action, with a deadline; asks the operator for actions without one. */
final class CommandControls implements Controls {
    private static final int OUTPUT_TAIL = 8192;
    private final Map<ControlAction, String> commands;
    private final Duration timeout;
    private final boolean operator;
    private final TimelineSink timeline;
    private final String rigName;
    private final PrintStream prompts;

    CommandControls(Map<ControlAction, String> commands, Duration timeout, boolean operator, TimelineSink timeline,
                    String rigName, PrintStream prompts) {
        this.commands = Map.copyOf(commands);
        this.timeout = timeout;
        this.operator = operator;
        this.timeline = timeline;
        this.rigName = rigName;
        this.prompts = prompts;
    }

    @Override
    public String kind() {
        return "commands";
    }

    @Override
    public boolean supports(ControlAction action) {
        return operator || commands.containsKey(action);
    }

    @Override
    public void perform(ControlAction action) throws DeviceException {
        String command = commands.get(action);
        if (command == null) {
            if (!operator) {
                Controls.super.perform(action);
            }
            prompts.println("firstboot: operator, please " + action.instruction() + " now (rig " + rigName + ")");
            prompts.flush();
            timeline.record(Origin.CONTROLS, EventKind.CONTROL, rigName, Map.of("action", action.label(), "by", "operator"));
            return;
        }
        // Stamped when the command starts: a board may print its first byte before the command has returned.
        long started = System.nanoTime();
        run(action, command);
        timeline.recordAt(started, Origin.CONTROLS, EventKind.CONTROL, rigName,
                Map.of("action", action.label(), "by", "command"));
    }

    private void run(ControlAction action, String command) throws DeviceException {
        ChildProcess p;
        try {
            // Its output is drained as it comes (a chatty relay tool must not block); the tail names a failure.
            p = ChildProcess.command("sh", "-c", command).name(action.field() + " command").errorsToOutput()
                    .stdout(ChildProcess.Output.tail(OUTPUT_TAIL)).start();
        } catch (IOException e) {
            throw new DeviceException("cannot run the " + action.field() + " command `" + command + "`: " + e.getMessage());
        }
        try {
            if (!p.waitFor(timeout)) {
                p.kill();
                throw new DeviceException("the " + action.field() + " command `" + command + "` did not finish within "
                        + timeout.toSeconds() + " s; check the relay or USB hub, or raise controls.timeout");
            }
        } catch (InterruptedException e) {
            p.kill();
            Thread.currentThread().interrupt();
            throw new DeviceException("interrupted while running the " + action.field() + " command");
        }
        if (p.exitCode() != 0) {
            String output = p.output().strip();
            throw new DeviceException("the " + action.field() + " command `" + command + "` failed with exit code "
                    + p.exitCode() + (output.isEmpty() ? "" : ": " + lastLine(output)));
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines[lines.length - 1];
    }
}
