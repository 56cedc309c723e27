package dev.firstboot.process;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child process of the harness, and the one place that starts, waits for and stops one.
 * <ul>
 * <li>What the child prints is read from the moment it starts, on threads of its own, into a bounded tail, a line
 * consumer, a file or nowhere, so a chatty child never blocks on a full pipe.</li>
 * <li>A caller that talks to the child (a host protocol) may own its stdin and stdout ({@link Input#pipe()},
 * {@link Output#pipe()}); the deadline, the kill and the draining of stderr stay here.</li>
 * <li>{@link #stop} reaches the whole tree: SIGTERM to the child and every process it started (its process group
 * with {@link Builder#ownSession()}), then, once the stop deadline has passed, SIGKILL to all of them that are left,
 * even those whose parent died and left them behind.</li>
 * </ul>
 */
public final class ChildProcess implements AutoCloseable {
    /** The longest line a line consumer gets unless it asks for less; the rest of the line is cut. */
    public static final int LINE_LIMIT = 1 << 20;
    private static final Duration DRAIN_DEADLINE = Duration.ofSeconds(2);
    private static final Duration KILL_DEADLINE = Duration.ofSeconds(5);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(5);
    private static final Duration TREE_POLL = Duration.ofMillis(10);
    private static final Path PROC_SELF = Path.of("/proc/self");
    private static final int RUN_OUTPUT_LIMIT = 64 << 20;
    private static final int RUN_MESSAGE_TAIL = 2000;

    private final Process process;
    private final String name;
    private final boolean ownSession;
    private final boolean stopsItsOwnChildren;
    private final Duration stopDeadline;
    private final TailBuffer tail;
    private final List<Thread> readers = new ArrayList<>();
    /** Every process of the tree seen so far: a grandchild stays known after its parent died and left it behind. */
    private final Set<ProcessHandle> known = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Integer> exited = new CompletableFuture<>();

    private ChildProcess(Process process, String name, boolean ownSession, boolean stopsItsOwnChildren,
                         Duration stopDeadline, TailBuffer tail) {
        this.process = process;
        this.name = name;
        this.ownSession = ownSession;
        this.stopsItsOwnChildren = stopsItsOwnChildren;
        this.stopDeadline = stopDeadline;
        this.tail = tail;
    }

    public static Builder command(List<String> argv) {
        return new Builder(argv);
    }

    public static Builder command(String... argv) {
        return new Builder(List.of(argv));
    }

    /**
     * Runs a tool to its end within {@code deadline} and gives back its standard output (its errors too with
     * {@link Builder#errorsToOutput()}); a non-zero exit or a missed deadline is an error naming {@code what}.
     *
     * @param what what the tool does, for the message ("generating the Allure report")
     */
    public static String run(Builder builder, Duration deadline, String what) throws IOException, InterruptedException {
        ChildProcess c = builder.stdout(Output.tail(RUN_OUTPUT_LIMIT)).start();
        boolean done;
        try {
            done = c.waitFor(deadline);
        } catch (InterruptedException e) {
            c.kill();
            throw e;
        }
        if (!done) {
            c.kill();
            c.waitFor(KILL_DEADLINE);
        }
        String text = c.output();
        if (!done || c.exitCode() != 0) {
            String end = text.strip();
            throw new IOException(what + " failed (exit " + (done ? c.exitCode() : "timeout") + " within "
                    + deadline.toSeconds() + " s): " + (end.length() > RUN_MESSAGE_TAIL
                    ? end.substring(end.length() - RUN_MESSAGE_TAIL) : end));
        }
        return text;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /**
     * Waits, at most {@code deadline}, until the child has exited, then (at most {@link #DRAIN_DEADLINE} more) until
     * what it printed has been read. Returns whether it exited.
     */
    public boolean waitFor(Duration deadline) throws InterruptedException {
        if (!process.waitFor(Math.max(0, deadline.toMillis()), TimeUnit.MILLISECONDS)) {
            return false;
        }
        awaitReaders();
        return true;
    }

    /** The exit code of a child that has exited (128 + N for one ended by signal N). */
    public int exitCode() {
        if (process.isAlive()) {
            throw new IllegalStateException(this + " is still running; wait for it first");
        }
        return process.exitValue();
    }

    /** Completes with the exit code once the child has exited and what it printed has been read. */
    public CompletableFuture<Integer> exited() {
        return exited.copy();
    }

    /** The last of what the child printed to the streams sent to {@link Output#tail}; empty without one. */
    public String output() {
        return tail == null ? "" : tail.text();
    }

    /** The child's standard input, for a caller that talks to it ({@link Input#pipe()}). */
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** The child's standard output, for a caller that reads it itself ({@link Output#pipe()}). */
    public InputStream stdout() {
        return process.getInputStream();
    }

    /** SIGTERM to the child and its tree (its group in its own session) without waiting: {@link #stop}'s first half. */
    public void terminate() {
        remember();
        if (ownSession && !stopsItsOwnChildren) {
            signalGroup("TERM");
            return;
        }
        process.destroy();
        if (!stopsItsOwnChildren) {
            known.forEach(ProcessHandle::destroy);
        }
    }

    /** SIGKILL to the child, every process of its tree seen so far and, in its own session, its group; no wait. */
    public void kill() {
        remember();
        if (ownSession) {
            signalGroup("KILL");
        }
        process.destroyForcibly();
        known.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * SIGTERM; if the child is still running after {@code deadline}, SIGKILL. Either way, whatever is left of its
     * tree is killed, and what it printed is read to the end. Returns whether the child itself needed SIGKILL.
     */
    public boolean stop(Duration deadline) {
        remember();
        boolean exited = !process.isAlive();
        try {
            if (!exited) {
                terminate();
                exited = awaitTree(System.nanoTime() + deadline.toNanos());
            }
            kill();
            process.waitFor(KILL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            awaitReaders();
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
        return !exited;
    }

    /** {@link #stop} with the builder's stop deadline. */
    @Override
    public void close() {
        stop(stopDeadline);
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }

    private void remember() {
        process.descendants().forEach(known::add);
    }

    /** Until the child and every known process of its tree have ended, or {@code end}; whether the child ended. */
    private boolean awaitTree(long end) throws InterruptedException {
        if (!process.waitFor(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return false;
        }
        // What a child that stops its own children left behind got no SIGTERM: nothing to wait for. Not onExit():
        // for a process that is not our child it polls from 300 ms up.
        while (!stopsItsOwnChildren && known.stream().anyMatch(ChildProcess::running) && System.nanoTime() < end) {
            Thread.sleep(TREE_POLL.toMillis());
        }
        return true;
    }

    /** Alive and not a zombie: an orphan's end shows in isAlive() only once whoever adopted it reaps it. */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"), StandardCharsets.US_ASCII);
            int end = stat.lastIndexOf(')');
            return end < 0 || end + 2 >= stat.length() || stat.charAt(end + 2) != 'Z';
        } catch (IOException e) {
            return !Files.isDirectory(PROC_SELF); // without /proc, isAlive() is all there is to go by
        }
    }

    private void signalGroup(String signal) {
        // Java cannot signal a process group; kill(1) can. "No such process" (the group is gone) is fine.
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + process.pid())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(KILL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** Waits (boundedly) until the readers have reached the end of what the child printed. */
    private void awaitReaders() {
        long end = System.nanoTime() + DRAIN_DEADLINE.toNanos();
        for (Thread t : readers) {
            if (t == Thread.currentThread()) {
                continue;
            }
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void read(InputStream in, Output to, String stream) {
        Thread t = new Thread(() -> {
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                if (to instanceof Output.Lines lines) {
                    readLines(r, lines);
                } else {
                    char[] buf = new char[8192];
                    int n;
                    while ((n = r.read(buf)) >= 0) {
                        tail.append(buf, n);
                    }
                }
            } catch (IOException e) {
                // the stream closed under us because the child was stopped; nothing more to read
            }
            if (to instanceof Output.Lines lines) {
                lines.atEnd().run();
            }
        }, name + "-" + stream + "-" + process.pid());
        t.setDaemon(true);
        readers.add(t);
        t.start();
    }

    private static void readLines(Reader r, Output.Lines to) throws IOException {
        StringBuilder line = new StringBuilder();
        boolean cut = false;
        char[] buf = new char[8192];
        int n;
        while ((n = r.read(buf)) >= 0) {
            for (int i = 0; i < n; i++) {
                char c = buf[i];
                if (c == '\n') {
                    deliver(to, line, cut);
                    line.setLength(0);
                    cut = false;
                } else if (c != '\r') {
                    if (line.length() < to.limit()) {
                        line.append(c);
                    } else {
                        cut = true;
                    }
                }
            }
        }
        if (!line.isEmpty()) {
            deliver(to, line, cut);
        }
    }

    private static void deliver(Output.Lines to, StringBuilder line, boolean cut) {
        try {
            to.each().accept(cut ? line + " …(line cut at " + to.limit() + " characters)" : line.toString());
        } catch (RuntimeException e) {
            // a consumer's fault must not stop the draining, or the child would block on a full pipe
        }
    }

    /** Where the child's standard input comes from. */
    public sealed interface Input {
        /** Nothing: the child reads end of file at once (the default). */
        static Input none() {
            return new None();
        }

        /** A pipe the caller writes through {@link ChildProcess#stdin()}. */
        static Input pipe() {
            return new FromCaller();
        }

        /** A file or device, e.g. {@code /dev/tty}. */
        static Input from(Path file) {
            return new FromFile(file);
        }

        record None() implements Input {
        }

        record FromCaller() implements Input {
        }

        record FromFile(Path file) implements Input {
        }
    }

    /** Where a stream the child prints to goes. */
    public sealed interface Output {
        /** Nowhere (the default). */
        static Output discard() {
            return new Discard();
        }

        /** A pipe the caller reads through {@link ChildProcess#stdout()}; it must read it, or the child may block. */
        static Output pipe() {
            return new ToCaller();
        }

        /** A file, replaced. */
        static Output file(Path file) {
            return new ToFile(file, false);
        }

        /** A file, appended to. */
        static Output appendTo(Path file) {
            return new ToFile(file, true);
        }

        /** The last {@code chars} characters, for {@link ChildProcess#output()}; stdout and stderr share one tail. */
        static Output tail(int chars) {
            return new Tail(chars);
        }

        /** Each line, without its line end, cut at {@link #LINE_LIMIT} characters. */
        static Output lines(Consumer<String> each) {
            return new Lines(LINE_LIMIT, each, () -> {
            });
        }

        /** Each line, cut at {@code limit} characters with a note saying so. */
        static Output lines(int limit, Consumer<String> each) {
            return new Lines(limit, each, () -> {
            });
        }

        /** Each line, then {@code atEnd} once the stream has ended (the child closed it or died). */
        static Output lines(Consumer<String> each, Runnable atEnd) {
            return new Lines(LINE_LIMIT, each, atEnd);
        }

        record Discard() implements Output {
        }

        record ToCaller() implements Output {
        }

        record ToFile(Path file, boolean append) implements Output {
        }

        record Tail(int chars) implements Output {
        }

        /** @param each gets each line on the reader's thread; it should be quick, and must not wait for the child */
        record Lines(int limit, Consumer<String> each, Runnable atEnd) implements Output {
        }
    }

    /** How to start a child: its command, folder, environment and streams. */
    public static final class Builder {
        private final List<String> argv;
        private Optional<Path> directory = Optional.empty();
        private Optional<Map<String, String>> environment = Optional.empty();
        private boolean ownSession;
        private boolean stopsItsOwnChildren;
        private Input stdin = Input.none();
        private Output stdout = Output.discard();
        private Output stderr = Output.discard();
        private boolean errorsToOutput;
        private String name;
        private Duration stopDeadline = STOP_DEADLINE;

        private Builder(List<String> argv) {
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("a child process needs a command");
            }
            this.argv = List.copyOf(argv);
            this.name = Path.of(argv.get(0)).getFileName().toString();
        }

        /** The folder it starts in; without one, the harness's own. */
        public Builder directory(Path dir) {
            this.directory = Optional.of(dir);
            return this;
        }

        /** Exactly these variables; without them, the harness's own environment. */
        public Builder environment(Map<String, String> variables) {
            this.environment = Optional.of(new LinkedHashMap<>(variables));
            return this;
        }

        /**
         * Starts it in a session and process group of its own ({@code setsid}), so {@link #stop} reaches every process
         * it started, even one it left behind when it exited. A terminal's Ctrl-C then no longer reaches it.
         */
        public Builder ownSession() {
            this.ownSession = true;
            return this;
        }

        public Builder stdin(Input in) {
            this.stdin = in;
            return this;
        }

        public Builder stdout(Output out) {
            this.stdout = out;
            return this;
        }

        public Builder stderr(Output err) {
            this.stderr = err;
            return this;
        }

        /** Stderr goes where stdout goes, interleaved as the child wrote them. */
        public Builder errorsToOutput() {
            this.errorsToOutput = true;
            return this;
        }

        /**
         * On SIGTERM the child stops the processes it started itself, in its own order (a firstboot run closing its
         * rig): SIGTERM goes to it alone, and only what is left after the stop deadline gets SIGKILL.
         */
        public Builder stopsItsOwnChildren() {
            this.stopsItsOwnChildren = true;
            return this;
        }

        /** What it is, for its threads and messages; the command's file name unless given. */
        public Builder name(String what) {
            this.name = what;
            return this;
        }

        /** How long {@link ChildProcess#close()} waits after SIGTERM before SIGKILL; 5 s unless given. */
        public Builder stopDeadline(Duration deadline) {
            this.stopDeadline = deadline;
            return this;
        }

        public ChildProcess start() throws IOException {
            List<String> command = new ArrayList<>();
            if (ownSession) {
                command.add("setsid");
            }
            command.addAll(argv);
            ProcessBuilder pb = new ProcessBuilder(command);
            directory.ifPresent(d -> pb.directory(d.toFile()));
            environment.ifPresent(env -> {
                pb.environment().clear();
                pb.environment().putAll(env);
            });
            pb.redirectInput(stdin instanceof Input.FromFile f ? ProcessBuilder.Redirect.from(f.file().toFile())
                    : stdin instanceof Input.FromCaller ? ProcessBuilder.Redirect.PIPE
                    : ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.redirectOutput(redirect(stdout));
            if (errorsToOutput) {
                pb.redirectErrorStream(true);
            } else {
                pb.redirectError(redirect(stderr));
            }
            int tailChars = Math.max(chars(stdout), errorsToOutput ? 0 : chars(stderr));
            ChildProcess c = new ChildProcess(pb.start(), name, ownSession, stopsItsOwnChildren, stopDeadline,
                    tailChars > 0 ? new TailBuffer(tailChars) : null);
            if (drained(stdout)) {
                c.read(c.process.getInputStream(), stdout, "stdout");
            }
            if (!errorsToOutput && drained(stderr)) {
                c.read(c.process.getErrorStream(), stderr, "stderr");
            }
            c.process.onExit().thenRunAsync(() -> {
                c.awaitReaders();
                c.exited.complete(c.process.exitValue());
            });
            return c;
        }

        private static ProcessBuilder.Redirect redirect(Output out) {
            if (out instanceof Output.ToFile f) {
                return f.append() ? ProcessBuilder.Redirect.appendTo(f.file().toFile())
                        : ProcessBuilder.Redirect.to(f.file().toFile());
            }
            return out instanceof Output.Discard ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.PIPE;
        }

        private static boolean drained(Output out) {
            return out instanceof Output.Tail || out instanceof Output.Lines;
        }

        private static int chars(Output out) {
            return out instanceof Output.Tail t ? t.chars() : 0;
        }
    }

    /** The last characters of what the child printed, bounded: the oldest are dropped first. */
    private static final class TailBuffer {
        private final int limit;
        private final StringBuilder text = new StringBuilder();

        TailBuffer(int limit) {
            this.limit = limit;
        }

        synchronized void append(char[] buf, int n) {
            text.append(buf, 0, n);
            if (text.length() > limit + Math.min(limit, 1 << 16)) {
                text.delete(0, text.length() - limit);
            }
        }

        synchronized String text() {
            return text.length() > limit ? text.substring(text.length() - limit) : text.toString();
        }
    }
}
