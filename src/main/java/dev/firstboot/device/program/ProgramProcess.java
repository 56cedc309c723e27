package dev.firstboot.device.program;

import dev.firstboot.process.ChildProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

/**
 * One run of a device program in its own session and process group ({@code setsid}), so stopping it reaches every
 * process it started: SIGTERM to the group, SIGKILL to the group once the deadline has passed. Its stdout and stderr
 * are read line by line as they come; a line longer than {@link #LINE_LIMIT} characters is cut there.
 */
final class ProgramProcess {
    static final int LINE_LIMIT = 4096;

    private final ChildProcess process;

    private ProgramProcess(ChildProcess process) {
        this.process = process;
    }

    /**
     * Starts {@code argv} with exactly {@code environment} in {@code directory}, reading nothing. {@code onLine} gets
     * each line and its stream ("stdout" or "stderr"); {@code onExit} gets the exit code once both streams are drained.
     */
    static ProgramProcess start(List<String> argv, Map<String, String> environment, Path directory,
                                BiConsumer<String, String> onLine, IntConsumer onExit) throws IOException {
        ChildProcess child = ChildProcess.command(argv).name("program").ownSession()
                .directory(directory).environment(environment)
                .stdout(ChildProcess.Output.lines(LINE_LIMIT, line -> onLine.accept("stdout", line)))
                .stderr(ChildProcess.Output.lines(LINE_LIMIT, line -> onLine.accept("stderr", line)))
                .start();
        child.exited().thenAccept(onExit::accept);
        return new ProgramProcess(child);
    }

    /** SIGKILL to the whole group at once (a flood, or a stop whose deadline passed). */
    void kill() {
        process.kill();
    }

    /**
     * SIGTERM to the group; if the program is still running after {@code deadline}, SIGKILL to the group. Any
     * process it left behind in its group is killed too. Returns whether SIGKILL was needed.
     */
    boolean stop(Duration deadline) {
        return process.stop(deadline);
    }
}
