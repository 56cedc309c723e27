package dev.firstboot.suite;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Debian's {@code ser2net} in the foreground, exporting one tty twice on loopback, as a board host exports a board:
 * a {@code telnet(rfc2217)} accepter ({@link #rfc2217()}) and a raw TCP one ({@link #socket()}). It opens the tty only
 * while a client is connected, so one of the two is used at a time.
 */
final class Ser2Net implements AutoCloseable {
    private static final List<Path> WHERE = List.of(Path.of("/usr/sbin/ser2net"), Path.of("/usr/bin/ser2net"));
    private static final Duration READY = Duration.ofSeconds(10);

    private final Process process;
    private final Path log;
    private final int rfc2217Port;
    private final int rawPort;

    private Ser2Net(Process process, Path log, int rfc2217Port, int rawPort) {
        this.process = process;
        this.log = log;
        this.rfc2217Port = rfc2217Port;
        this.rawPort = rawPort;
    }

    /** Starts ser2net on {@code tty} and returns once both its ports accept; fails when ser2net is not installed. */
    static Ser2Net export(Path dir, Path tty) throws Exception {
        Path binary = installed().orElseThrow(() -> new AssertionError("ser2net is not installed, and the remote "
                + "serial port tests need the real one; run scripts/setup.sh ser2net (as root; scripts/test.sh does)"));
        int rfc2217Port = freePort();
        int rawPort = freePort();
        Path config = Files.writeString(dir.resolve("ser2net.yaml"), """
                %%YAML 1.1
                ---
                connection: &rfc2217
                  accepter: telnet(rfc2217),tcp,127.0.0.1,%d
                  connector: serialdev,%s,115200n81,local
                connection: &raw
                  accepter: tcp,127.0.0.1,%d
                  connector: serialdev,%s,115200n81,local
                """.formatted(rfc2217Port, tty, rawPort, tty));
        Path log = dir.resolve("ser2net.log");
        // -n: stay in the foreground, so the test owns the process; -u: no UUCP lock files in /var/lock
        Process process = new ProcessBuilder(binary.toString(), "-n", "-u", "-c", config.toString(),
                "-P", dir.resolve("ser2net.pid").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Ser2Net ser2net = new Ser2Net(process, log, rfc2217Port, rawPort);
        try {
            await("ser2net listening on ports " + rfc2217Port + " and " + rawPort).atMost(READY)
                    .until(() -> !process.isAlive() || (listening(rfc2217Port) && listening(rawPort)));
            if (!process.isAlive()) {
                throw new AssertionError("ser2net ended at start (exit " + process.exitValue() + "): " + ser2net.log());
            }
        } catch (RuntimeException | AssertionError e) {
            ser2net.close();
            throw e;
        }
        return ser2net;
    }

    static Optional<Path> installed() {
        return WHERE.stream().filter(Files::isExecutable).findFirst();
    }

    String rfc2217() {
        return "rfc2217://127.0.0.1:" + rfc2217Port;
    }

    String socket() {
        return "socket://127.0.0.1:" + rawPort;
    }

    /** The exporter dies at once, as when its host loses power: the kernel drops its connections. */
    void kill() {
        process.destroyForcibly();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * True when a socket listens on 127.0.0.1:{@code port}, from the kernel's table: a probe connection would make
     * ser2net open the tty and close it again just before the run opens it.
     */
    private static boolean listening(int port) throws IOException {
        String local = "0100007F:" + String.format(Locale.ROOT, "%04X", port);
        return Files.readAllLines(Path.of("/proc/net/tcp")).stream().skip(1)
                .map(line -> line.trim().split("\\s+"))
                .anyMatch(f -> f.length > 3 && f[1].equals(local) && f[3].equals("0A"));
    }
}
