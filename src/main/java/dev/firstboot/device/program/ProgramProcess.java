package dev.firstboot.device.program;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.IntConsumer;

/**
 * One run of a device program in its own session and process group ({@code setsid}), so stopping it reaches every
 * process it started: SIGTERM to the group, SIGKILL to the group once the deadline has passed. Its stdout and stderr
 * are read line by line on two threads; a line longer than {@link #LINE_LIMIT} characters is cut there.
 */
final class ProgramProcess {
    static final int LINE_LIMIT = 4096;
    private static final Duration KILL_COMMAND_DEADLINE = Duration.ofSeconds(5);
    private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(2);

    private final Process process;
    private final List<Thread> readers = new ArrayList<>();

    private ProgramProcess(Process process) {
        this.process = process;
    }

    /**
     * Starts {@code argv} with exactly {@code environment} in {@code directory}. {@code onLine} gets each line and
     * its stream ("stdout" or "stderr"); {@code onExit} gets the exit code once both streams are drained.
     */
    static ProgramProcess start(List<String> argv, Map<String, String> environment, Path directory,
                                BiConsumer<String, String> onLine, IntConsumer onExit) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("setsid");
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        ProgramProcess p = new ProgramProcess(builder.start());
        p.read(p.process.getInputStream(), "stdout", onLine);
        p.read(p.process.getErrorStream(), "stderr", onLine);
        p.process.onExit().thenRunAsync(() -> {
            p.drain();
            onExit.accept(p.process.exitValue());
        });
        return p;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    private void read(InputStream in, String stream, BiConsumer<String, String> onLine) {
        Thread t = new Thread(() -> {
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                StringBuilder line = new StringBuilder();
                boolean cut = false;
                char[] buf = new char[8192];
                int n;
                while ((n = r.read(buf)) >= 0) {
                    for (int i = 0; i < n; i++) {
                        char c = buf[i];
                        if (c == '\n') {
                            onLine.accept(stream, finish(line, cut));
                            line.setLength(0);
                            cut = false;
                        } else if (c != '\r') {
                            if (line.length() < LINE_LIMIT) {
                                line.append(c);
                            } else {
                                cut = true;
                            }
                        }
                    }
                }
                if (!line.isEmpty()) {
                    onLine.accept(stream, finish(line, cut));
                }
            } catch (IOException e) {
                // the stream closed under us because the program was stopped; nothing more to read
            }
        }, "program-" + stream + "-" + process.pid());
        t.setDaemon(true);
        t.start();
        readers.add(t);
    }

    private static String finish(StringBuilder line, boolean cut) {
        return cut ? line + " …(line cut at " + LINE_LIMIT + " characters)" : line.toString();
    }

    /** Waits (boundedly) until both output streams have been read to their end. */
    private void drain() {
        long end = System.nanoTime() + DRAIN_DEADLINE.toNanos();
        for (Thread t : readers) {
            try {
                t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** SIGKILL to the whole group at once (a flood, or a stop whose deadline passed). */
    void kill() {
        signalGroup("KILL");
    }

    /**
     * SIGTERM to the group; if the program is still running after {@code deadline}, SIGKILL to the group. Any
     * process it left behind in its group is killed too. Returns whether SIGKILL was needed.
     */
    boolean stop(Duration deadline) throws InterruptedException {
        if (!process.isAlive()) {
            signalGroup("KILL"); // children it left in its group
            return false;
        }
        signalGroup("TERM");
        boolean exited = process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS);
        signalGroup("KILL");
        if (!exited) {
            process.waitFor(KILL_COMMAND_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        }
        drain();
        return !exited;
    }

    private void signalGroup(String signal) {
        // Java cannot signal a process group; kill(1) can. "No such process" (the group is gone) is fine.
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + process.pid())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(KILL_COMMAND_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
