package dev.firstboot.report;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Runs a tool to its end within a deadline and gives back what it printed; a non-zero exit is an error. */
public final class BoundedProcess {
    private BoundedProcess() {
    }

    /**
     * @param what what the tool does, for the error message ("generating the Allure report")
     * @return the tool's standard output (and its errors too, when the builder merges them)
     */
    public static String run(ProcessBuilder builder, Duration deadline, String what) throws IOException, InterruptedException {
        Process p = builder.start();
        byte[] output;
        try (InputStream in = p.getInputStream()) {
            // Drain output on this thread; the process cannot block on a full pipe and the deadline still holds.
            Thread killer = new Thread(() -> {
                try {
                    if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException ignored) {
                    p.destroyForcibly();
                }
            }, "deadline: " + what);
            killer.setDaemon(true);
            killer.start();
            output = in.readAllBytes();
            killer.interrupt();
        }
        String text = new String(output, StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            String tail = text.strip();
            throw new IOException(what + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + " within "
                    + deadline.toSeconds() + " s): " + (tail.length() > 2000 ? tail.substring(tail.length() - 2000) : tail));
        }
        return text;
    }
}
