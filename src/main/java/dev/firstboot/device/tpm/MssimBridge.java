package dev.firstboot.device.tpm;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Microsoft TPM 2.0 simulator's socket protocol served in front of a swtpm, for TPM stacks that speak only that
 * protocol on 127.0.0.1:2321 and 2322 (the Azure IoT C SDK's TPM-simulator HSM). swtpm 0.7 takes raw TPM commands
 * and the simulator's {@code TPM_SEND_COMMAND} frame on its data port, but none of the simulator's other messages
 * (a handshake or a session end there waits for more bytes), and its control port speaks swtpm's own protocol, so a
 * platform signal sent there is misread. This bridge speaks the simulator's side itself:
 * <ul>
 *   <li>command port: {@code TPM_SEND_COMMAND} (u32 8, u8 locality, u32 length, command; answered u32 length,
 *   response, u32 0), passed to swtpm as a raw command; {@code TPM_REMOTE_HANDSHAKE} (u32 15, u32 client version;
 *   answered u32 1, u32 flags, u32 0); {@code TPM_SESSION_END} and {@code TPM_STOP} close the session (swtpm keeps
 *   running);</li>
 *   <li>platform port: each signal answered u32 0, passed on to swtpm's control channel where it has a counterpart
 *   (power on after power off, reset and restart re-initialise the TPM, cancel on cancels its command); the others
 *   (NV on/off, physical presence, key cache, cancel off) have none.</li>
 * </ul>
 * Each port serves one client at a time, as the simulator does. Anything else (an unknown message, a frame over
 * {@link #MAX_FRAME} bytes) closes that client's session, and a frame that does not arrive whole within its deadline
 * does too, so a hostile client never stalls the bridge. One bridge is open at a time in this JVM.
 */
public final class MssimBridge implements AutoCloseable {
    public static final int COMMAND_PORT = 2321;
    public static final int PLATFORM_PORT = 2322;
    /** swtpm's largest command and response (TPM_BUFFER_MAX). */
    static final int MAX_FRAME = 4096;
    static final int SEND_COMMAND = 8;
    static final int REMOTE_HANDSHAKE = 15;
    static final int SESSION_END = 20;
    static final int STOP = 21;
    static final int SERVER_VERSION = 1;
    /** tpmPlatformAvailable: this simulator has a platform port. */
    static final int SERVER_FLAGS = 1;
    private static final int TPM_HEADER = 10;
    private static final int TPM_ST_NO_SESSIONS = 0x8001;
    private static final int TPM_RC_COMMAND_SIZE = 0x142;
    private static final int TPM_RC_LOCALITY = 0x107;
    private static final int TPM_RC_FAILURE = 0x101;
    private static final int CMD_INIT = 2;
    private static final int CMD_SET_LOCALITY = 5;
    private static final int CMD_CANCEL_TPM_CMD = 9;
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(5);
    private static final Semaphore ONE_AT_A_TIME = new Semaphore(1);

    /**
     * @param lock  how long to wait for another bridge in this JVM to close
     * @param idle  how long a client may stay silent between messages (a TPM stack holds its session while the
     *              device talks to DPS)
     * @param frame how long one message may take to arrive whole once its first byte came
     * @param tpm   how long swtpm may take to answer one command or control request
     */
    public record Deadlines(Duration lock, Duration idle, Duration frame, Duration tpm) {
        public static final Deadlines DEFAULT = new Deadlines(Duration.ofSeconds(30), Duration.ofMinutes(10),
                Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    /** The platform signals, by their simulator codes, and what swtpm is asked to do for each. */
    enum Signal {
        POWER_ON(1), POWER_OFF(2), PHYS_PRES_ON(3), PHYS_PRES_OFF(4), CANCEL_ON(9), CANCEL_OFF(10), NV_ON(11),
        NV_OFF(12), KEY_CACHE_ON(13), KEY_CACHE_OFF(14), RESET(17), RESTART(18);

        final int code;

        Signal(int code) {
            this.code = code;
        }

        static Optional<Signal> of(int code) {
            for (Signal s : values()) {
                if (s.code == code) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    private final InetSocketAddress upstream;
    private final InetSocketAddress upstreamControl;
    private final Deadlines deadlines;
    private final Consumer<String> notes;
    private final ServerSocket commands;
    private final ServerSocket platform;
    private final Thread commandThread;
    private final Thread platformThread;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Socket commandClient;
    private volatile Socket platformClient;
    private volatile Socket swtpmData;
    private boolean poweredOn = true; // swtpm starts powered and started (--flags not-need-init,startup-clear)
    private int locality;

    private MssimBridge(InetSocketAddress upstream, InetSocketAddress upstreamControl, Deadlines deadlines,
                        Consumer<String> notes, ServerSocket commands, ServerSocket platform) {
        this.upstream = upstream;
        this.upstreamControl = upstreamControl;
        this.deadlines = deadlines;
        this.notes = notes;
        this.commands = commands;
        this.platform = platform;
        this.commandThread = new Thread(() -> serve(commands, true), "mssim-commands-" + commands.getLocalPort());
        this.platformThread = new Thread(() -> serve(platform, false), "mssim-platform-" + platform.getLocalPort());
        commandThread.setDaemon(true);
        platformThread.setDaemon(true);
    }

    /** Serves the protocol on 127.0.0.1:2321 and 2322 in front of {@code swtpm}; {@code notes} hears what happened. */
    public static MssimBridge open(Swtpm swtpm, Consumer<String> notes) throws IOException {
        InetAddress loopback = InetAddress.getByName(swtpm.host());
        return open(new InetSocketAddress(swtpm.host(), swtpm.port()),
                new InetSocketAddress(swtpm.host(), swtpm.controlPort()),
                new InetSocketAddress(loopback, COMMAND_PORT), new InetSocketAddress(loopback, PLATFORM_PORT),
                Deadlines.DEFAULT, notes);
    }

    /** As {@link #open(Swtpm, Consumer)}, on the given addresses (port 0: any free port) and deadlines. */
    static MssimBridge open(InetSocketAddress swtpmData, InetSocketAddress swtpmControl, InetSocketAddress command,
                            InetSocketAddress platform, Deadlines deadlines, Consumer<String> notes)
            throws IOException {
        try {
            if (!ONE_AT_A_TIME.tryAcquire(deadlines.lock().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("another scenario in this process serves the Microsoft TPM simulator protocol"
                        + " (tpm-protocol: mssim) and did not stop within " + deadlines.lock().toSeconds() + " s;"
                        + " only one can hold " + where(command) + " and " + where(platform) + " at a time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the TPM simulator ports", e);
        }
        ServerSocket c = null;
        try {
            c = bind(command, "commands");
            ServerSocket p = bind(platform, "platform signals");
            MssimBridge bridge = new MssimBridge(swtpmData, swtpmControl, deadlines, notes, c, p);
            bridge.commandThread.start();
            bridge.platformThread.start();
            return bridge;
        } catch (IOException | RuntimeException e) {
            closeQuietly(c);
            ONE_AT_A_TIME.release();
            throw e;
        }
    }

    private static ServerSocket bind(InetSocketAddress address, String what) throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(address, 1);
            return s;
        } catch (BindException e) {
            closeQuietly(s);
            throw new IOException("the Microsoft TPM simulator protocol's " + what + " port " + where(address)
                    + " is taken (" + e.getMessage() + "): another TPM simulator, a swtpm or another run with"
                    + " tpm-protocol: mssim listens there. `ss -ltnp 'sport = :" + address.getPort() + "'` shows"
                    + " which; stop it, or use tpm-protocol: swtpm", e);
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
    }

    /** Where the command port listens (its real port when 0 was asked for). */
    public InetSocketAddress commandAddress() {
        return (InetSocketAddress) commands.getLocalSocketAddress();
    }

    public InetSocketAddress platformAddress() {
        return (InetSocketAddress) platform.getLocalSocketAddress();
    }

    private void serve(ServerSocket server, boolean commandPort) {
        while (!closed.get()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (commandPort) {
                commandClient = client;
            } else {
                platformClient = client;
            }
            note((commandPort ? "command" : "platform") + " client " + peer(client) + " connected");
            try (client) {
                if (commandPort) {
                    commandSession(client);
                } else {
                    platformSession(client);
                }
            } catch (IOException e) {
                if (!closed.get()) {
                    note((commandPort ? "command" : "platform") + " client " + peer(client) + " closed: "
                            + e.getMessage());
                }
            } finally {
                if (commandPort) {
                    closeQuietly(swtpmData);
                    swtpmData = null;
                }
            }
        }
    }

    private void commandSession(Socket client) throws IOException {
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream();
        while (true) {
            Optional<Integer> message = firstWord(client, in);
            if (message.isEmpty()) {
                return;
            }
            Instant end = Instant.now().plus(deadlines.frame());
            switch (message.get()) {
                case SEND_COMMAND -> {
                    int loc = readFully(client, in, 1, end)[0] & 0xff;
                    int length = u32(readFully(client, in, 4, end));
                    if (length < 0 || length > MAX_FRAME) {
                        throw new IOException("TPM_SEND_COMMAND of " + Integer.toUnsignedString(length)
                                + " bytes, over the " + MAX_FRAME + " a TPM command may have; closing the session");
                    }
                    byte[] response = execute(loc, readFully(client, in, length, end));
                    out.write(ByteBuffer.allocate(8 + response.length).putInt(response.length).put(response)
                            .putInt(0).array());
                }
                case REMOTE_HANDSHAKE -> {
                    int version = u32(readFully(client, in, 4, end));
                    if (version == 0) {
                        throw new IOException("TPM_REMOTE_HANDSHAKE with client version 0; closing the session");
                    }
                    out.write(ByteBuffer.allocate(12).putInt(SERVER_VERSION).putInt(SERVER_FLAGS).putInt(0).array());
                }
                case SESSION_END, STOP -> {
                    return;
                }
                default -> throw new IOException("unknown command-port message 0x" + Integer.toHexString(message.get())
                        + " (this bridge takes TPM_SEND_COMMAND, TPM_REMOTE_HANDSHAKE and TPM_SESSION_END)");
            }
            out.flush();
        }
    }

    private void platformSession(Socket client) throws IOException {
        OutputStream out = client.getOutputStream();
        while (true) {
            Optional<Integer> message = firstWord(client, client.getInputStream());
            if (message.isEmpty() || message.get() == SESSION_END || message.get() == STOP) {
                return;
            }
            Signal signal = Signal.of(message.get()).orElseThrow(() -> new IOException("unknown platform signal 0x"
                    + Integer.toHexString(message.get())));
            int result = signal(signal);
            out.write(ByteBuffer.allocate(4).putInt(result).array());
            out.flush();
        }
    }

    /** What swtpm's control channel is asked for a platform signal; 0, or the failure it answered. */
    private synchronized int signal(Signal signal) {
        return switch (signal) {
            case POWER_ON -> {
                if (poweredOn) {
                    yield 0; // already on: the simulator ignores it too
                }
                poweredOn = true;
                yield control("platform signal power on (a power cycle: swtpm re-initialised)", CMD_INIT, new byte[4]);
            }
            case POWER_OFF -> {
                poweredOn = false;
                yield 0;
            }
            case RESET, RESTART -> {
                poweredOn = true;
                yield control("platform signal " + signal.label() + " (swtpm re-initialised)", CMD_INIT, new byte[4]);
            }
            case CANCEL_ON -> control("platform signal cancel on", CMD_CANCEL_TPM_CMD, new byte[0]);
            default -> 0;
        };
    }

    /** One request on swtpm's control channel: u32 command, payload; answered u32 result (0: done). */
    private int control(String what, int command, byte[] payload) {
        try (Socket s = new Socket()) {
            s.connect(upstreamControl, (int) deadlines.tpm().toMillis());
            Instant end = Instant.now().plus(deadlines.tpm());
            s.getOutputStream().write(ByteBuffer.allocate(4 + payload.length).putInt(command).put(payload).array());
            int result = u32(readFully(s, s.getInputStream(), 4, end));
            note(what + (result == 0 ? ": done by swtpm" : ": swtpm answered 0x" + Integer.toHexString(result)));
            return result;
        } catch (IOException e) {
            note(what + ": swtpm's control channel " + where(upstreamControl) + " did not answer"
                    + " (" + e.getMessage() + ")");
            return TPM_RC_FAILURE;
        }
    }

    /** One TPM command through swtpm's data port, raw; a command whose header contradicts its frame never goes. */
    private byte[] execute(int commandLocality, byte[] command) throws IOException {
        if (command.length < TPM_HEADER || u32(command, 2) != command.length) {
            return errorResponse(TPM_RC_COMMAND_SIZE);
        }
        synchronized (this) {
            if (commandLocality != locality) {
                if (control("locality " + commandLocality, CMD_SET_LOCALITY, new byte[] {(byte) commandLocality}) != 0) {
                    return errorResponse(TPM_RC_LOCALITY);
                }
                locality = commandLocality;
            }
        }
        Socket tpm = swtpmData;
        if (tpm == null) {
            tpm = new Socket();
            tpm.connect(upstream, (int) deadlines.tpm().toMillis());
            swtpmData = tpm;
        }
        Instant end = Instant.now().plus(deadlines.tpm());
        try {
            tpm.getOutputStream().write(command);
            byte[] header = readFully(tpm, tpm.getInputStream(), TPM_HEADER, end);
            int size = u32(header, 2);
            if (size < TPM_HEADER || size > MAX_FRAME) {
                throw new IOException("swtpm answered a response of " + Integer.toUnsignedString(size) + " bytes");
            }
            ByteArrayOutputStream response = new ByteArrayOutputStream(size);
            response.write(header);
            response.write(readFully(tpm, tpm.getInputStream(), size - TPM_HEADER, end));
            return response.toByteArray();
        } catch (SocketTimeoutException e) {
            throw new IOException("swtpm at " + where(upstream) + " did not answer a command within "
                    + deadlines.tpm().toSeconds() + " s (is another client connected to its data port?)", e);
        }
    }

    private static byte[] errorResponse(int rc) {
        return ByteBuffer.allocate(TPM_HEADER).putShort((short) TPM_ST_NO_SESSIONS).putInt(TPM_HEADER).putInt(rc)
                .array();
    }

    /** The next message code, waiting at most the idle deadline for its first byte; empty at a clean end. */
    private Optional<Integer> firstWord(Socket client, InputStream in) throws IOException {
        client.setSoTimeout((int) Math.max(1, deadlines.idle().toMillis()));
        int first;
        try {
            first = in.read();
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("silent for " + deadlines.idle().toMillis() + " ms between messages");
        }
        if (first < 0) {
            return Optional.empty();
        }
        byte[] rest = readFully(client, in, 3, Instant.now().plus(deadlines.frame()));
        return Optional.of(((first & 0xff) << 24) | ((rest[0] & 0xff) << 16) | ((rest[1] & 0xff) << 8)
                | (rest[2] & 0xff));
    }

    /** Exactly {@code n} bytes by {@code end}, however slowly they trickle in. */
    private static byte[] readFully(Socket s, InputStream in, int n, Instant end) throws IOException {
        byte[] buffer = new byte[n];
        int got = 0;
        while (got < n) {
            long left = Duration.between(Instant.now(), end).toMillis();
            if (left <= 0) {
                throw new SocketTimeoutException("a message did not arrive whole in time (" + got + " of " + n
                        + " bytes)");
            }
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            int r;
            try {
                r = in.read(buffer, got, n - got);
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("a message did not arrive whole in time (" + got + " of " + n
                        + " bytes)");
            }
            if (r < 0) {
                throw new EOFException("the peer closed the connection in the middle of a message (" + got + " of "
                        + n + " bytes)");
            }
            got += r;
        }
        return buffer;
    }

    private static int u32(byte[] b) {
        return u32(b, 0);
    }

    private static int u32(byte[] b, int at) {
        return ByteBuffer.wrap(b, at, 4).getInt();
    }

    private void note(String text) {
        try {
            notes.accept("mssim bridge: " + text);
        } catch (RuntimeException ignored) {
            // a listener's failure must not stop the bridge
        }
    }

    private static String where(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static String peer(Socket s) {
        return String.valueOf(s.getRemoteSocketAddress()).replaceFirst("^/", "");
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    /** Stops serving: both ports, any client, the swtpm connection; swtpm itself keeps running. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(commands);
        closeQuietly(platform);
        closeQuietly(commandClient);
        closeQuietly(platformClient);
        closeQuietly(swtpmData);
        try {
            commandThread.join(STOP_DEADLINE.toMillis());
            platformThread.join(STOP_DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ONE_AT_A_TIME.release();
        }
    }

    @Override
    public String toString() {
        return "MssimBridge[" + where(commandAddress()) + ", " + where(platformAddress()) + " → swtpm "
                + where(upstream) + "]";
    }
}
