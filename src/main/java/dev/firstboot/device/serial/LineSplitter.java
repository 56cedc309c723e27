package dev.firstboot.device.serial;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts console bytes into lines. CR, LF and CRLF each end one line, since boards differ (the DevKit prints CRLF and
 * reads CR). Empty lines carry nothing to match and are dropped. NUL bytes, which some boards emit as they reset,
 * are dropped too. Not thread-safe: the console's reader thread owns it.
 */
final class LineSplitter {
    private final ByteArrayOutputStream current = new ByteArrayOutputStream();
    private boolean lastWasCr;

    /** Feeds {@code n} bytes and returns the lines they completed, in order. */
    List<String> feed(byte[] bytes, int n) {
        List<String> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte b = bytes[i];
            if (b == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = b == '\r';
            if (b == '\r' || b == '\n') {
                String line = take();
                if (!line.isEmpty()) {
                    done.add(line);
                }
            } else if (b != 0) {
                current.write(b);
            }
        }
        return done;
    }

    /** The line being printed, not yet ended; empty when none. */
    String partial() {
        return current.toString(StandardCharsets.UTF_8);
    }

    /** Ends the current line, e.g. when the link closes; empty when there was none. */
    String flush() {
        lastWasCr = false;
        return take();
    }

    private String take() {
        String line = current.toString(StandardCharsets.UTF_8);
        current.reset();
        return line;
    }
}
