package dev.firstboot.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code firstboot emulator} as a real child JVM: what it printed up to {@code ready}, or why it ended before that.
 * Stopped with a real SIGTERM.
 */
public final class EmulatorProcess {
    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    private static final Duration EXIT_DEADLINE = Duration.ofSeconds(30);

    /** How a start ended: {@link Ready}, or {@link Exited} before {@code ready} with its exit code and stderr. */
    public sealed interface Start permits Ready, Exited {
    }

    public record Ready(EmulatorProcess process) implements Start {
    }

    public record Exited(int exit, String stderr) implements Start {
    }

    private final Process process;
    private final Map<String, String> lines;
    private final Path stderr;
    /** What it prints on stdout after {@code ready} (its --log lines), in order. */
    private final BlockingQueue<String> later;

    private EmulatorProcess(Process process, Map<String, String> lines, Path stderr, BlockingQueue<String> later) {
        this.later = later;
        this.process = process;
        this.lines = lines;
        this.stderr = stderr;
    }

    /** Runs {@code firstboot emulator ARGS…} and waits for {@code ready} (or its exit) within 60 s. */
    public static Start start(Path scratch, String... args) throws Exception {
        Path err = Files.createTempFile(scratch, "emulator-stderr", ".txt");
        String[] command = new String[5 + args.length];
        command[0] = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        command[1] = "-cp";
        command[2] = System.getProperty("java.class.path");
        command[3] = "dev.firstboot.cli.Main";
        command[4] = "emulator";
        System.arraycopy(args, 0, command, 5, args.length);
        Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        BlockingQueue<String> out = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    out.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
            out.add("<eof>");
        }, "emulator-stdout");
        reader.setDaemon(true);
        reader.start();
        Map<String, String> parsed = new LinkedHashMap<>();
        Instant deadline = Instant.now().plus(START_DEADLINE);
        while (true) {
            long left = Duration.between(Instant.now(), deadline).toMillis();
            String line = left <= 0 ? null : out.poll(left, TimeUnit.MILLISECONDS);
            if (line == null) {
                process.destroyForcibly();
                throw new AssertionError("no 'ready' line within " + START_DEADLINE.toSeconds() + " s; printed "
                        + parsed.keySet() + ", stderr: " + Files.readString(err));
            }
            if (line.equals("<eof>")) {
                if (!process.waitFor(EXIT_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError("the emulator closed stdout but did not exit; stderr: "
                            + Files.readString(err));
                }
                return new Exited(process.exitValue(), Files.readString(err));
            }
            if (line.equals("ready")) {
                return new Ready(new EmulatorProcess(process, parsed, err, out));
            }
            int colon = line.indexOf(": ");
            if (colon <= 0) {
                process.destroyForcibly();
                throw new AssertionError("expected 'key: value' lines before 'ready', got: " + line);
            }
            parsed.put(line.substring(0, colon), line.substring(colon + 2));
        }
    }

    /** As {@link #start}, failing unless it printed {@code ready}. */
    public static EmulatorProcess started(Path scratch, String... args) throws Exception {
        Start s = start(scratch, args);
        if (s instanceof Exited e) {
            throw new AssertionError("the emulator exited " + e.exit() + " before 'ready': " + e.stderr());
        }
        return ((Ready) s).process();
    }

    /**
     * Every stdout line after {@code ready} up to and including the first that {@code until} accepts, waiting at most
     * {@code deadline} for it; without such a line, what came within the deadline.
     */
    public java.util.List<String> linesUntil(java.util.function.Predicate<String> until, Duration deadline)
            throws InterruptedException {
        java.util.List<String> seen = new java.util.ArrayList<>();
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            String line = left <= 0 ? null : later.poll(left, TimeUnit.NANOSECONDS);
            if (line == null || line.equals("<eof>")) {
                return seen;
            }
            seen.add(line);
            if (until.test(line)) {
                return seen;
            }
        }
    }

    /** The {@code key: value} lines it printed before {@code ready}. */
    public Map<String, String> lines() {
        return lines;
    }

    public String stderr() throws IOException {
        return Files.readString(stderr);
    }

    /** Sends SIGTERM, as an init system or {@code docker stop} does. */
    public void terminate() throws Exception {
        new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).inheritIO().start()
                .waitFor(10, TimeUnit.SECONDS);
    }

    /** Its exit code, within 30 s (then it is killed and this fails). */
    public int awaitExit() throws Exception {
        if (!process.waitFor(EXIT_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the emulator did not exit within " + EXIT_DEADLINE.toSeconds()
                    + " s of SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGTERM, then its exit code. */
    public int stop() throws Exception {
        terminate();
        return awaitExit();
    }
}
