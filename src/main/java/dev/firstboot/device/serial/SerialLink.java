package dev.firstboot.device.serial;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A byte pipe to a device's console: a board's USB serial port, a pty that a virtual device sits behind, or a serial
 * port a board host exports over TCP. {@link PortAddress} opens the right one for a rig file's port.
 *
 * <p>Reads from {@link #input()} wait only briefly: when nothing arrives within the link's read timeout they throw an
 * {@link java.io.InterruptedIOException}, which is not an end, so a reader thread can notice that it should stop.
 * {@code -1} or any other {@link IOException} means the link has ended (unplugged, closed, the far side gone).
 */
public interface SerialLink extends AutoCloseable {
    InputStream input();

    OutputStream output();

    /** Where and how the link is open, for messages, e.g. {@code /dev/ttyACM0 at 115200 8N1}, the port named once. */
    String describe();

    /** What to check when the link ended under the console, for its message. */
    default String closedHint() {
        return "is the board still plugged in and powered? did another program take the port?";
    }

    @Override
    void close() throws IOException;
}
