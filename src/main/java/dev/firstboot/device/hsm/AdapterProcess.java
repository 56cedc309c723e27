package dev.firstboot.device.hsm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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

    private final Process process;
    private final Writer in;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final StringBuilder log = new StringBuilder();
    private final Duration deadline;
    private final List<Thread> pumps = new ArrayList<>();

    private AdapterProcess(Process process, Duration deadline) {
        this.process = process;
        this.deadline = deadline;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), true, "hsm-host-out-" + process.pid());
        pump(process.getErrorStream(), false, "hsm-host-err-" + process.pid());
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
        Process p;
        try {
            Files.createDirectories(scratch);
            p = new ProcessBuilder(cmd).directory(scratch.toFile()).start();
        } catch (IOException e) {
            throw new AdapterFailure("cannot start the adapter host (" + java + "): " + e.getMessage(), false);
        }
        AdapterProcess host = new AdapterProcess(p, callDeadline);
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
        return process.isAlive();
    }

    /** Sends one request for {@code what} (the C function's name, for messages) and returns the {@code ok} payload. */
    String call(String what, String request) throws AdapterFailure {
        if (!process.isAlive()) {
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
            process.destroyForcibly();
            throw new AdapterFailure(what + " was interrupted", true);
        }
        if (answer == null) {
            process.destroyForcibly();
            waitForExit();
            drainOutput();
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
        drainOutput();
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

    /** Once the child has exited, lets the readers take in the last of what it printed (at most 2 s). */
    private void drainOutput() {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (Thread t : pumps) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
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

    private Optional<Integer> waitForExit() {
        try {
            if (process.waitFor(5, TimeUnit.SECONDS)) {
                return Optional.of(process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
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
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new AdapterFailure("cannot read the adapter host's memory from /proc/" + process.pid()
                    + "/status: " + e.getMessage() + "; the leak check needs Linux /proc", false);
        }
        throw new AdapterFailure("/proc/" + process.pid() + "/status has no VmRSS line", false);
    }

    private void pump(InputStream stream, boolean protocol, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (protocol && line.startsWith(HostProtocol.PREFIX)) {
                        answers.add(line.substring(HostProtocol.PREFIX.length()));
                    } else {
                        synchronized (log) {
                            log.append(line).append('\n');
                            if (log.length() > LOG_LIMIT) {
                                log.delete(0, log.length() - LOG_LIMIT);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                // the child is gone; EOF below tells the caller
            }
            if (protocol) {
                answers.add(EOF);
            }
        }, name);
        t.setDaemon(true);
        pumps.add(t);
        t.start();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                in.write("quit\n");
                in.flush();
            } catch (IOException e) {
                // already gone
            }
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(2, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
