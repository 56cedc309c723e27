package dev.firstboot.device.tpm;

import dev.firstboot.process.ChildProcess;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A software TPM 2.0 ({@code swtpm socket --tpm2}) on two adjacent loopback ports: commands on {@link #port()}, control
 * on {@code port() + 1}, which is where TSS.Java's {@code TpmFactory.remoteTpm} looks for it. Its state lives in
 * {@code <dir>/state} and its log in {@code <dir>/swtpm.log}; it writes nothing outside {@code dir}, so a restart on the
 * same directory keeps persisted keys.
 */
public final class Swtpm implements AutoCloseable {
    /** Why a swtpm cannot run here, and how to fix it. */
    public static final String NOT_INSTALLED = "swtpm is not installed on this machine (Debian: apt-get install swtpm "
            + "swtpm-tools; scripts/setup.sh swtpm swtpm-tools does it as root)";
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final String HOST = "127.0.0.1";

    private final ChildProcess process;
    private final int port;
    private final Path dir;

    private Swtpm(ChildProcess process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Whether the swtpm binary can be found on the PATH. */
    public static boolean installed() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "swtpm"))) {
                return true;
            }
        }
        return false;
    }

    /** Starts swtpm with its state in {@code dir} and waits, at most {@code deadline}, until it accepts commands. */
    public static Swtpm start(Path dir, Duration deadline) throws IOException {
        if (!installed()) {
            throw new IOException(NOT_INSTALLED + "; no swtpm on the PATH");
        }
        Path abs = dir.toAbsolutePath();
        Path state = abs.resolve("state");
        Files.createDirectories(state);
        Path log = abs.resolve("swtpm.log");
        int port = freePortPair();
        ChildProcess p = ChildProcess.command("swtpm", "socket", "--tpm2",
                "--tpmstate", "dir=" + state,
                "--server", "type=tcp,port=" + port + ",bindaddr=" + HOST,
                "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=" + HOST,
                "--flags", "not-need-init,startup-clear",
                "--log", "level=1,file=" + log)
                .directory(abs)
                .errorsToOutput()
                .stdout(ChildProcess.Output.appendTo(abs.resolve("swtpm.out")))
                .stopDeadline(STOP_DEADLINE)
                .start();
        Swtpm tpm = new Swtpm(p, port, abs);
        Instant end = Instant.now().plus(deadline);
        while (true) {
            if (!p.alive()) {
                tpm.close();
                throw new IOException("swtpm exited with " + p.exitCode() + " before accepting commands on " + HOST
                        + ":" + port + "; see " + log + " and " + abs.resolve("swtpm.out") + ": " + tail(abs));
            }
            if (accepts(port)) {
                return tpm;
            }
            if (Instant.now().isAfter(end)) {
                tpm.close();
                throw new IOException("swtpm did not accept connections on " + HOST + ":" + port + " within "
                        + deadline.toMillis() + " ms; see " + log + ": " + tail(abs));
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    public String host() {
        return HOST;
    }

    /** The command port; the control port is the next one. */
    public int port() {
        return port;
    }

    /** swtpm's control channel (its own protocol, not the MS simulator's platform signals). */
    public int controlPort() {
        return port + 1;
    }

    public Path directory() {
        return dir;
    }

    public boolean isAlive() {
        return process.alive();
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return "Swtpm[" + HOST + ":" + port + ", " + dir + "]";
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, port), (int) POLL.toMillis() * 10);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Two adjacent free loopback ports; the pair may still be taken before swtpm binds, which start() reports. */
    static int freePortPair() throws IOException {
        InetAddress loopback = InetAddress.getByName(HOST);
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket first = new ServerSocket(0, 1, loopback)) {
                int p = first.getLocalPort();
                if (p >= 65535) {
                    continue;
                }
                try (ServerSocket second = new ServerSocket(p + 1, 1, loopback)) {
                    return p;
                } catch (IOException taken) {
                    // try another pair
                }
            }
        }
        throw new IOException("found no two adjacent free TCP ports on " + HOST + " for swtpm after 50 attempts");
    }

    private static String tail(Path dir) {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("swtpm.out", "swtpm.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(f), StandardCharsets.UTF_8);
                sb.append(String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()))).append(' ');
            } catch (IOException ignored) {
                // the file may not exist yet
            }
        }
        return sb.toString().trim();
    }
}
