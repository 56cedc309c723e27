package dev.firstboot.device.devkit;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The test's end of a virtual DevKit's pty, opened with plain file streams as a terminal would. A reader thread
 * collects everything (read() loop: a tty cannot seek); every wait has a deadline.
 */
final class PtyTerminal implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private final FileInputStream in;
    private final FileOutputStream out;
    private final StringBuilder seen = new StringBuilder();
    private int consumed;
    private final Thread reader;

    PtyTerminal(Path tty) throws IOException {
        this.in = new FileInputStream(tty.toFile());
        this.out = new FileOutputStream(tty.toFile());
        this.reader = new Thread(this::readLoop, "pty-terminal");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        byte[] b = new byte[256];
        try {
            int n;
            while ((n = in.read(b)) >= 0) {
                synchronized (seen) {
                    seen.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
                    seen.notifyAll();
                }
            }
        } catch (IOException e) {
            // the pty went away
        }
    }

    void type(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Everything received since the last await, up to and including {@code expected}; fails after the deadline. */
    String await(String expected) throws InterruptedException {
        return await(expected, DEADLINE);
    }

    String await(String expected, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        synchronized (seen) {
            int at;
            while ((at = seen.indexOf(expected, consumed)) < 0) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected \"" + printable(expected) + "\" on the pty within "
                            + deadline.toMillis() + " ms; received since the last match: \""
                            + printable(seen.substring(consumed)) + "\"");
                }
                TimeUnit.NANOSECONDS.timedWait(seen, left);
            }
            String text = seen.substring(consumed, at + expected.length());
            consumed = at + expected.length();
            return text;
        }
    }

    /** What arrived since the last match, without waiting. */
    String unread() {
        synchronized (seen) {
            return seen.substring(consumed);
        }
    }

    static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }

    @Override
    public void close() throws IOException {
        out.close();
        in.close();
    }
}
