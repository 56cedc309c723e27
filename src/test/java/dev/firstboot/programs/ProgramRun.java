package dev.firstboot.programs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One device program as a child process with the given environment: its stdout and stderr lines, waits for a line
 * or its exit with a deadline, and a stop (SIGTERM, then SIGKILL after a deadline) for itself and its children.
 */
final class ProgramRun implements AutoCloseable {
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(5);

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private ProgramRun(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "program-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
    }

    static ProgramRun start(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Only the contract's variables and what a process needs to start (PATH, HOME), as a rig would pass them.
        builder.environment().keySet().removeIf(k -> k.startsWith("FIRSTBOOT_") || k.startsWith("NODE_"));
        builder.environment().putAll(environment);
        return new ProgramRun(builder.start());
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            synchronized (lines) {
                lines.notifyAll();
            }
        }
    }

    /** The first line matching {@code regex} within {@code deadline}; empty when the program exited or time ran out. */
    Optional<Matcher> awaitLine(String regex, Duration deadline) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        Instant end = Instant.now().plus(deadline);
        synchronized (lines) {
            int seen = 0;
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = pattern.matcher(lines.get(seen));
                    if (m.find()) {
                        return Optional.of(m);
                    }
                }
                long left = Duration.between(Instant.now(), end).toMillis();
                if (left <= 0 || !reader.isAlive()) {
                    return Optional.empty();
                }
                lines.wait(left);
            }
        }
    }

    /** The exit code within {@code deadline}, or empty while it still runs. */
    Optional<Integer> awaitExit(Duration deadline) throws InterruptedException {
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            return Optional.empty();
        }
        reader.join(STOP_DEADLINE.toMillis()); // the last lines
        return Optional.of(process.exitValue());
    }

    boolean alive() {
        return process.isAlive();
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** All output, for assertion messages. */
    String output() {
        return String.join("\n", lines());
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        family.add(process.toHandle());
        family.forEach(ProcessHandle::destroy);
        Instant end = Instant.now().plus(STOP_DEADLINE);
        for (ProcessHandle p : family) {
            try {
                p.onExit().get(Math.max(1, Duration.between(Instant.now(), end).toMillis()), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
    }
}
