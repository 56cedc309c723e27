package dev.firstboot.device.pty;

import dev.firstboot.process.ChildProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Two real pseudo-terminals joined back to back by socat ({@code pty,raw,echo=0} on both sides): what one side writes,
 * the other reads, with a real tty in between. The virtual DevKit sits on the device side; the harness, screen or
 * minicom open the other by its path, exactly as they would open a board's /dev/ttyACM0.
 */
public final class PtyPair implements AutoCloseable {
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(3);
    private static final String READY = "starting data transfer loop";

    private final ChildProcess socat;
    private final Path deviceSide;
    private final Path userSide;
    private final List<String> diagnostics;

    private PtyPair(ChildProcess socat, Path deviceSide, Path userSide, List<String> diagnostics) {
        this.socat = socat;
        this.deviceSide = deviceSide;
        this.userSide = userSide;
        this.diagnostics = diagnostics;
    }

    /**
     * Starts socat and waits, at most {@code deadline}, until both links exist and data flows.
     *
     * @param deviceSide the symlink for the device's end
     * @param userSide   the symlink for the end a person or the harness opens
     */
    public static PtyPair open(Path deviceSide, Path userSide, Duration deadline) throws IOException {
        for (Path link : List.of(deviceSide, userSide)) {
            Files.createDirectories(link.toAbsolutePath().getParent());
            if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(link)) {
                throw new IOException(link + " exists and is not a symlink; choose another path for the pty link");
            }
            Files.deleteIfExists(link);
        }
        List<String> diagnostics = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> ready = new CompletableFuture<>();
        ChildProcess p;
        try {
            p = ChildProcess.command("socat", "-d", "-d",
                    "pty,raw,echo=0,link=" + deviceSide.toAbsolutePath(),
                    "pty,raw,echo=0,link=" + userSide.toAbsolutePath())
                    .stderr(ChildProcess.Output.lines(line -> {
                        diagnostics.add(line);
                        if (line.contains(READY)) {
                            ready.complete(null);
                        }
                    }, () -> ready.complete(null))) // socat ended; the waiter below reports it
                    .stopDeadline(STOP_DEADLINE)
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot start socat, which makes the pseudo-terminal pair: " + e.getMessage()
                    + ". On Debian: apt-get install socat (scripts/setup.sh socat does it)", e);
        }
        PtyPair pair = new PtyPair(p, deviceSide, userSide, diagnostics);
        try {
            ready.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pair.close();
            throw new IOException("socat did not make the pty pair within " + deadline.toMillis() + " ms: " + diagnostics);
        } catch (InterruptedException e) {
            pair.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while socat made the pty pair", e);
        } catch (ExecutionException e) {
            pair.close();
            throw new IOException("socat failed: " + e.getCause(), e);
        }
        if (!p.alive() || !Files.exists(deviceSide) || !Files.exists(userSide)) {
            pair.close();
            throw new IOException("socat could not make the pty pair: " + String.join(" | ", diagnostics));
        }
        return pair;
    }

    /** The link the emulated device reads and writes. */
    public Path deviceSide() {
        return deviceSide;
    }

    /** The link a person (screen, minicom) or the harness's serial rig opens. */
    public Path userSide() {
        return userSide;
    }

    /** The real tty the user-side link points to, e.g. /dev/pts/3. */
    public Path userTty() throws IOException {
        return userSide.toRealPath();
    }

    public boolean isAlive() {
        return socat.alive();
    }

    @Override
    public void close() {
        socat.close();
        for (Path link : List.of(deviceSide, userSide)) {
            try {
                Files.deleteIfExists(link);
            } catch (IOException ignored) {
                // socat removes its links itself on a clean exit; this is only for a killed one
            }
        }
    }

    @Override
    public String toString() {
        return "PtyPair[" + deviceSide + " <-> " + userSide + "]";
    }
}
