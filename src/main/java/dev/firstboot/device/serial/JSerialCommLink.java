package dev.firstboot.device.serial;

import com.fazecast.jSerialComm.SerialPort;
import com.fazecast.jSerialComm.SerialPortInvalidPortException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A serial port opened by path with jSerialComm: 8 data bits, no parity, one stop bit, no flow control.
 * Ports are never discovered by enumeration, which does not list ptys (environment.md §4).
 */
public final class JSerialCommLink implements SerialLink {
    public static final int DEFAULT_BAUD = 115_200;
    /** Short, so a reader thread notices a close within this long. */
    static final Duration READ_TIMEOUT = Duration.ofMillis(100);
    /** A board that accepts no byte for this long has stopped answering. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);

    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int ENOTTY = 25;

    private final SerialPort port;
    private final Path path;
    private final int baud;

    private JSerialCommLink(SerialPort port, Path path, int baud) {
        this.port = port;
        this.path = path;
        this.baud = baud;
    }

    /** Opens {@code port} at 115200 8N1. */
    public static JSerialCommLink open(Path port) throws IOException {
        return open(port, DEFAULT_BAUD);
    }

    /**
     * Opens {@code port} (a device node or a symlink to one, such as {@code /dev/serial/by-id/...}) at {@code baud} 8N1.
     *
     * @throws IOException with what to try next when the path is missing, not permitted, or already in use
     */
    public static JSerialCommLink open(Path port, int baud) throws IOException {
        if (baud <= 0) {
            throw new IllegalArgumentException("baud must be positive, was " + baud);
        }
        if (!Files.exists(port)) {
            throw new IOException("serial port " + port + " does not exist; is the board plugged in? "
                    + "check `ls -l /dev/serial/by-id`");
        }
        if (!Files.isReadable(port) || !Files.isWritable(port)) {
            throw permissionDenied(port);
        }
        SerialPort sp;
        try {
            sp = SerialPort.getCommPort(port.toString());
        } catch (SerialPortInvalidPortException e) {
            throw new IOException("serial port " + port + " is not a usable serial device: " + e.getMessage(), e);
        }
        sp.setComPortParameters(baud, 8, SerialPort.ONE_STOP_BIT, SerialPort.NO_PARITY);
        sp.setFlowControl(SerialPort.FLOW_CONTROL_DISABLED);
        sp.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING | SerialPort.TIMEOUT_WRITE_BLOCKING,
                (int) READ_TIMEOUT.toMillis(), (int) WRITE_TIMEOUT.toMillis());
        if (!sp.openPort()) {
            int errno = sp.getLastErrorCode();
            int where = sp.getLastErrorLocation();
            if (errno == EACCES) {
                throw permissionDenied(port);
            }
            if (errno == ENOENT && !Files.exists(port)) {
                throw new IOException("serial port " + port + " went away while opening it; is the board plugged in? "
                        + "check `ls -l /dev/serial/by-id`");
            }
            throw new IOException("cannot open serial port " + port + " (errno " + errno + " at jSerialComm location "
                    + where + "); it is probably already in use by another program (screen, minicom, another "
                    + "harness run): check `fuser -v " + port + "` and close it");
        }
        // Ptys do not support one of jSerialComm's ioctls and leave errno 25 behind: the port is open and set anyway.
        int errno = sp.getLastErrorCode();
        if (errno != 0 && errno != ENOTTY && sp.getBaudRate() != baud) {
            sp.closePort();
            throw new IOException("opened serial port " + port + " but could not set " + baud + " 8N1 (errno " + errno
                    + " at jSerialComm location " + sp.getLastErrorLocation() + ")");
        }
        return new JSerialCommLink(sp, port, baud);
    }

    private static IOException permissionDenied(Path port) {
        return new IOException("permission denied opening serial port " + port + "; add your user to the dialout "
                + "group (sudo usermod -aG dialout $USER, then log in again) or check `ls -l " + port + "`");
    }

    @Override
    public InputStream input() {
        return port.getInputStream();
    }

    @Override
    public OutputStream output() {
        return port.getOutputStream();
    }

    @Override
    public String describe() {
        String system = port.getSystemPortPath();
        return path + (system.equals(path.toString()) ? "" : " (" + system + ")") + " at " + baud + " 8N1";
    }

    @Override
    public void close() {
        port.closePort();
    }

    @Override
    public String toString() {
        return "JSerialCommLink[" + describe() + "]";
    }
}
