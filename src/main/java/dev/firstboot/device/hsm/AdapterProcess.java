package dev.firstboot.device.hsm;

import dev.firstboot.process.ChildProcess;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@link AdapterHost} child JVM holding the vendor's library, and the one place that talks to it. Every request
 * has a deadline; on expiry the child is killed. When the child dies (crash, {@code abort}, {@code exit}) the request
 * fails with the reason and the tail of what the child printed; the parent carries on and can start a new host.
 */
final class AdapterProcess implements AutoCloseable {
    private static final String EOF = "\u0000eof";
    private static final int LOG_LIMIT = 6000;
    private static final Pattern SIGNAL = Pattern.compile("\\b(SIG[A-Z]+) \\(0x[0-9a-f]+\\)");
    private static final Pattern FRAME = Pattern.compile("Problematic frame:\\s*\\n#\\s*(.+)");
    private static final Duration EXIT_DEADLINE = Duration.ofSeconds(5);
    private static final Duration QUIT_DEADLINE = Duration.ofSeconds(2);

    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final StringBuilder log = new StringBuilder();
    private final Duration deadline;
    private final ChildProcess process;
    private final Writer in;

    /** The host protocol is ours (stdin, and the prefixed lines on stdout); the rest of its output is its log. */
    private AdapterProcess(ChildProcess.Builder host, Duration deadline) throws IOException {
        this.deadline = deadline;
        this.process = host.stdin(ChildProcess.Input.pipe())
                .stdout(ChildProcess.Output.lines(this::hostLine, () -> answers.add(EOF)))
                .stderr(ChildProcess.Output.lines(this::logLine))
                .start();
        this.in = new OutputStreamWriter(process.stdin(), StandardCharsets.UTF_8);
    }

    /**
     * Starts a host for {@code library} and waits, at most {@code startDeadline}, until it has loaded it.
     *
     * @param scratch the child's working folder. Its JVM crash report is discarded (it dumps registers and memory,
     *                which can hold the adapter's keys); the summary it prints names the signal and the frame.
     */
    static AdapterProcess start(Path library, Duration callDeadline, Duration startDeadline, Path scratch)
            throws AdapterFailure {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx48m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=/dev/null",
                "-cp", System.getProperty("java.class.path"), AdapterHost.class.getName(),
                library.toAbsolutePath().toString()));
        AdapterProcess host;
        try {
            Files.createDirectories(scratch);
            host = new AdapterProcess(ChildProcess.command(cmd).name("hsm-host").directory(scratch), callDeadline);
        } catch (IOException e) {
            throw new AdapterFailure("cannot start the adapter host (" + java + "): " + e.getMessage(), false);
        }
        String first = host.await("loading the library", startDeadline);
        if (!first.startsWith("ready")) {
            host.close();
            throw new AdapterFailure("the adapter library " + library + " could not be loaded: "
                    + first.replaceFirst("^err ", "") + ". Build it as a shared object (gcc -shared -fPIC) for this "
                    + "machine's architecture and check `ldd` finds its dependencies.", false);
        }
        return host;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.alive();
    }

    /** Sends one request for {@code what} (the C function's name, for messages) and returns the {@code ok} payload. */
    String call(String what, String request) throws AdapterFailure {
        if (!process.alive()) {
            throw ended(what);
        }
        try {
            in.write(request);
            in.write('\n');
            in.flush();
        } catch (IOException e) {
            throw ended(what);
        }
        String answer = await(what, deadline);
        if (answer.startsWith("err ")) {
            throw new AdapterFailure(what + ": " + answer.substring(4), false);
        }
        return answer.startsWith("ok ") ? answer.substring(3) : answer;
    }

    private String await(String what, Duration limit) throws AdapterFailure {
        String answer;
        try {
            answer = answers.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.kill();
            throw new AdapterFailure(what + " was interrupted", true);
        }
        if (answer == null) {
            process.kill();
            waitForExit();
            throw new AdapterFailure(what + " did not return within " + seconds(limit)
                    + "; the harness killed the adapter host" + tail(), true);
        }
        if (answer.equals(EOF)) {
            throw ended(what);
        }
        return answer;
    }

    private AdapterFailure ended(String what) {
        Optional<Integer> code = waitForExit();
        String out;
        synchronized (log) {
            out = log.toString();
        }
        Matcher sig = SIGNAL.matcher(out);
        String reason;
        if (sig.find()) {
            Matcher frame = FRAME.matcher(out);
            reason = "the adapter crashed with " + sig.group(1)
                    + (frame.find() ? " in " + frame.group(1).trim().replaceAll("\\s+", " ") : "");
        } else if (code.isEmpty()) {
            reason = "the adapter host stopped answering";
        } else if (code.get() > 128) {
            reason = "the adapter host was killed by signal " + (code.get() - 128) + signalName(code.get() - 128);
        } else {
            reason = "the adapter ended the process with exit(" + code.get() + ")";
        }
        return new AdapterFailure(reason + " during " + what + tail(), true);
    }

    private static String signalName(int s) {
        return switch (s) {
            case 6 -> " (SIGABRT: abort() or a failed assert)";
            case 9 -> " (SIGKILL)";
            case 11 -> " (SIGSEGV)";
            case 7 -> " (SIGBUS)";
            case 4 -> " (SIGILL)";
            case 8 -> " (SIGFPE)";
            default -> "";
        };
    }

    /** The exit code once the child has exited and what it printed has been read; killed if it has not. */
    private Optional<Integer> waitForExit() {
        try {
            if (process.waitFor(EXIT_DEADLINE)) {
                return Optional.of(process.exitCode());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.kill();
        return Optional.empty();
    }

    /** The last lines the adapter (and the host JVM) printed, for a failure message. */
    String output() {
        synchronized (log) {
            return log.toString();
        }
    }

    private String tail() {
        String out = output().strip();
        if (out.isEmpty()) {
            return "; the adapter printed nothing";
        }
        int cut = Math.max(0, out.length() - 1500);
        return "; the adapter's output ends with:\n" + out.substring(cut);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : String.format("%.1f s", d.toMillis() / 1000.0);
    }

    /** Resident memory of the child, from /proc/PID/status (VmRSS), in KiB. */
    long rssKib() throws AdapterFailure {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new AdapterFailure("cannot read the adapter host's memory from /proc/" + pid()
                    + "/status: " + e.getMessage() + "; the leak check needs Linux /proc", false);
        }
        throw new AdapterFailure("/proc/" + pid() + "/status has no VmRSS line", false);
    }

    private void hostLine(String line) {
        if (line.startsWith(HostProtocol.PREFIX)) {
            answers.add(line.substring(HostProtocol.PREFIX.length()));
        } else {
            logLine(line);
        }
    }

    private void logLine(String line) {
        synchronized (log) {
            log.append(line).append('\n');
            if (log.length() > LOG_LIMIT) {
                log.delete(0, log.length() - LOG_LIMIT);
            }
        }
    }

    @Override
    public void close() {
        if (process.alive()) {
            try {
                in.write("quit\n");
                in.flush();
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!process.waitFor(QUIT_DEADLINE)) {
                    process.kill();
                    process.waitFor(QUIT_DEADLINE);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.kill();
            }
        }
    }
}
