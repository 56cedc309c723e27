package dev.firstboot.device.serial;

import dev.firstboot.device.serial.PortAddress.Remote;
import dev.firstboot.device.serial.PortAddress.Remote.Protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A serial port a board host exports over TCP: {@code rfc2217://} (Telnet, with the baud rate and 8N1 set through
 * RFC 2217) or {@code socket://} (the bytes as they are). It behaves as a local port does for the console: reads wait
 * at most {@link JSerialCommLink#READ_TIMEOUT}, a write that cannot go out within
 * {@link JSerialCommLink#WRITE_TIMEOUT} fails, and a dropped connection (the exporter stopped, the host went away)
 * is an end of stream at once, as an unplugged board is.
 */
public final class NetworkSerialLink implements SerialLink {
    /** For the TCP connection and, for RFC 2217, the server's agreement and its answers to the line settings. */
    public static final Duration CONNECT_DEADLINE = Duration.ofSeconds(5);

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "serial-write-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final Remote where;
    private final int baud;
    private final Socket socket;
    private final TelnetCodec telnet;
    private final InputStream input;
    private final OutputStream output;
    private final Object wire = new Object();
    private volatile boolean stalled;

    private NetworkSerialLink(Remote where, int baud, Socket socket, TelnetCodec telnet) throws IOException {
        this.where = where;
        this.baud = baud;
        this.socket = socket;
        this.telnet = telnet;
        InputStream raw = socket.getInputStream();
        this.input = telnet == null ? raw : new TelnetInput(raw);
        this.output = new Output();
    }

    /** Connects to {@code where} within {@link #CONNECT_DEADLINE} and, for RFC 2217, sets {@code baud} 8N1. */
    public static NetworkSerialLink open(Remote where, int baud) throws IOException {
        return open(where, baud, CONNECT_DEADLINE);
    }

    /**
     * Connects to {@code where} and, for RFC 2217, negotiates COM-PORT-OPTION and sets {@code baud} 8N1, all within
     * {@code deadline}.
     *
     * @throws IOException naming the URL and what to check on the exporter when the host cannot be reached, refuses
     *                     the connection, or does not speak RFC 2217 within the deadline
     */
    static NetworkSerialLink open(Remote where, int baud, Duration deadline) throws IOException {
        if (baud <= 0) {
            throw new IllegalArgumentException("baud must be positive, was " + baud);
        }
        long end = System.nanoTime() + deadline.toNanos();
        Socket socket = connect(where, deadline);
        try {
            socket.setTcpNoDelay(true);
            socket.setKeepAlive(true);
            TelnetCodec telnet = where.protocol() == Protocol.RFC2217 ? new TelnetCodec() : null;
            NetworkSerialLink link = new NetworkSerialLink(where, baud, socket, telnet);
            if (telnet != null) {
                link.negotiate(end, deadline);
            }
            socket.setSoTimeout((int) JSerialCommLink.READ_TIMEOUT.toMillis());
            return link;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static Socket connect(Remote where, Duration deadline) throws IOException {
        InetSocketAddress address = new InetSocketAddress(where.host(), where.port());
        String exporter = "is ser2net (or labgrid's exporter) running on " + where.host() + " with an accepter on port "
                + where.port() + "? check its configuration ("
                + (where.protocol() == Protocol.RFC2217 ? "accepter: telnet(rfc2217),tcp," : "accepter: tcp,")
                + where.port() + ") and its log";
        if (address.isUnresolved()) {
            throw new IOException("cannot connect to serial port " + where.url() + ": host " + where.host()
                    + " is not known; check the host name in the rig file's port, or use the board host's address");
        }
        Socket socket = new Socket();
        try {
            socket.connect(address, (int) Math.max(1, deadline.toMillis()));
            return socket;
        } catch (ConnectException e) {
            socket.close();
            throw new IOException("cannot connect to serial port " + where.url() + ": connection refused; " + exporter,
                    e);
        } catch (SocketTimeoutException | NoRouteToHostException e) {
            socket.close();
            throw new IOException("cannot connect to serial port " + where.url() + ": no answer within "
                    + ExpectConsole.human(deadline) + " (host unreachable, or a firewall drops the connection); is "
                    + where.host() + " up, and " + exporter.substring("is ".length()), e);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot connect to serial port " + where.url() + ": " + e.getMessage() + "; "
                    + exporter, e);
        }
    }

    /** RFC 2217: the server agrees to COM-PORT-OPTION, then answers the baud rate and 8N1 with what it set. */
    private void negotiate(long end, Duration deadline) throws IOException {
        send(telnet.opening());
        await(telnet::comPortAgreed, end, () -> {
            if (telnet.comPortRefused()) {
                return "refused RFC 2217 (it answered DONT COM-PORT-OPTION), so the baud rate and line settings "
                        + "cannot be set; is its ser2net accepter telnet(rfc2217),tcp,… rather than telnet,tcp,…? for a "
                        + "plain TCP export write socket://" + where.host() + ":" + where.port();
            }
            return "accepted the connection but did not agree to RFC 2217 within " + ExpectConsole.human(deadline)
                    + (telnet.heardTelnet() ? "" : " (it sent no Telnet negotiation at all"
                    + (telnet.hasData() ? ", only \"" + telnet.peekData() + "\"" : "") + ")")
                    + "; is it a telnet(rfc2217) accepter of ser2net or labgrid's exporter? a raw TCP export is "
                    + "socket://" + where.host() + ":" + where.port();
        });
        send(telnet.lineRequest(baud));
        await(telnet::lineAnswered, end, () -> "agreed to RFC 2217 but did not confirm " + baud + " 8N1 within "
                + ExpectConsole.human(deadline) + "; check the exporter's log");
        long setBaud = telnet.answer(TelnetCodec.SET_BAUDRATE).orElse(-1L);
        if (setBaud != baud) {
            throw new IOException("serial port " + where.url() + " set " + setBaud + " baud where " + baud
                    + " was asked; the exporter or its serial adapter does not support " + baud + " baud");
        }
        long dataSize = telnet.answer(TelnetCodec.SET_DATASIZE).orElse(-1L);
        long parity = telnet.answer(TelnetCodec.SET_PARITY).orElse(-1L);
        long stopSize = telnet.answer(TelnetCodec.SET_STOPSIZE).orElse(-1L);
        if (dataSize != 8 || parity != TelnetCodec.PARITY_NONE || stopSize != TelnetCodec.STOPSIZE_1) {
            throw new IOException("serial port " + where.url() + " answered data size " + dataSize + ", parity "
                    + parity + " and stop size " + stopSize + " where 8 data bits, no parity (1) and one stop bit (1) "
                    + "were asked; the exporter or its serial adapter cannot do 8N1");
        }
    }

    /** Reads and answers the server until {@code done} or the deadline; data bytes that arrive meanwhile are kept. */
    private void await(BooleanSupplier done, long end, Supplier<String> failure) throws IOException {
        InputStream raw = socket.getInputStream();
        byte[] buf = new byte[512];
        while (!done.getAsBoolean() && !telnet.comPortRefused()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                break;
            }
            socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            int n;
            try {
                n = raw.read(buf);
            } catch (SocketTimeoutException e) {
                break;
            }
            if (n < 0) {
                throw new IOException("serial port " + where.url() + " closed the connection while RFC 2217 was "
                        + "negotiated" + (telnet.hasData() ? "; it said \"" + telnet.peekData() + "\"" : "")
                        + "; is another client already connected (ser2net serves one at a time), or the exported "
                        + "device missing on the board host? check the exporter's log");
            }
            telnet.feed(buf, n);
            send(telnet.takeReplies());
        }
        if (!done.getAsBoolean()) {
            throw new IOException("serial port " + where.url() + " " + failure.get());
        }
    }

    /** Writes on the wire within the write timeout, or closes the connection under a write that hangs. */
    private void send(byte[] bytes) throws IOException {
        if (bytes.length == 0) {
            return;
        }
        synchronized (wire) {
            ScheduledFuture<?> cut = WATCHDOG.schedule(this::stall, JSerialCommLink.WRITE_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                OutputStream out = socket.getOutputStream();
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                if (stalled) {
                    throw new InterruptedIOException("serial port " + where.url() + " accepted no bytes within "
                            + ExpectConsole.human(JSerialCommLink.WRITE_TIMEOUT));
                }
                throw e;
            } finally {
                cut.cancel(false);
            }
        }
    }

    private void stall() {
        stalled = true;
        try {
            socket.close();
        } catch (IOException e) {
            // already closed: the write fails either way
        }
    }

    /** Telnet's data bytes out of the server's stream; commands are answered on the way. */
    private final class TelnetInput extends InputStream {
        private final InputStream raw;
        private final byte[] buf = new byte[512];

        TelnetInput(InputStream raw) {
            this.raw = raw;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (!telnet.hasData()) {
                int n = raw.read(buf);
                if (n < 0) {
                    return -1;
                }
                telnet.feed(buf, n);
                send(telnet.takeReplies());
            }
            return telnet.takeData(b, off, len);
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (telnet == null) {
                byte[] copy = Arrays.copyOfRange(b, off, off + len);
                send(copy);
                Arrays.fill(copy, (byte) 0);
                return;
            }
            try {
                if (!telnet.awaitResumed(JSerialCommLink.WRITE_TIMEOUT.toMillis())) {
                    throw new InterruptedIOException("serial port " + where.url() + " asked to pause sending (RFC 2217 "
                            + "flow control) and did not resume within "
                            + ExpectConsole.human(JSerialCommLink.WRITE_TIMEOUT));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while " + where.url() + " paused sending");
            }
            byte[] encoded = telnet.encode(b, off, len);
            send(encoded);
            Arrays.fill(encoded, (byte) 0);
        }
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public String describe() {
        if (telnet == null) {
            return where.url() + " (raw TCP; the exporter sets the line)";
        }
        String server = telnet.signature();
        return where.url() + " at " + baud + " 8N1 (RFC 2217" + (server.isEmpty() ? "" : ", " + server) + ")";
    }

    @Override
    public String closedHint() {
        return "is ser2net (or labgrid's exporter) still running on " + where.host() + " and serving port "
                + where.port() + ", and the board behind it plugged in and powered? the exporter's log says why the "
                + "connection ended";
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    @Override
    public String toString() {
        return "NetworkSerialLink[" + describe() + "]";
    }
}
