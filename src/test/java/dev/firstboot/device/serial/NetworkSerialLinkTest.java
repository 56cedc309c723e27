package dev.firstboot.device.serial;

import dev.firstboot.device.serial.PortAddress.Remote;
import dev.firstboot.device.serial.PortAddress.Remote.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

import static dev.firstboot.device.serial.TelnetCodec.DO;
import static dev.firstboot.device.serial.TelnetCodec.DONT;
import static dev.firstboot.device.serial.TelnetCodec.IAC;
import static dev.firstboot.device.serial.TelnetCodec.SB;
import static dev.firstboot.device.serial.TelnetCodec.SE;
import static dev.firstboot.device.serial.TelnetCodec.WILL;
import static dev.firstboot.device.serial.TelnetCodec.WONT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The network serial link against a tiny TCP server in the test that speaks real bytes: Telnet option negotiation
 * and RFC 2217 as ser2net answers them, IAC escaping both ways, servers that refuse, stay silent or send garbage, and
 * the raw {@code socket://} form.
 */
class NetworkSerialLinkTest {
    private static final int COM = TelnetCodec.COM_PORT_OPTION;
    /** What ser2net 4.3.11 sends when a client connects to a telnet(rfc2217) accepter (seen on the wire). */
    private static final byte[] SER2NET_GREETING = bytes(IAC, WILL, 3, IAC, DO, 3, IAC, WILL, 1, IAC, DONT, 1,
            IAC, DO, 0, IAC, WILL, 0, IAC, DO, COM);

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /**
     * A one-connection TCP server: it sends {@code greeting} on accept, then answers each request the client sent so
     * far that {@code answer} knows; everything the client sent is kept for the test to look at.
     */
    private final class TinyServer implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        volatile Socket client;

        TinyServer(byte[] greeting, Function<byte[], byte[]> answer) throws IOException {
            open.add(this);
            Thread t = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    client = s;
                    OutputStream out = s.getOutputStream();
                    out.write(greeting);
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[256];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        byte[] all;
                        synchronized (received) {
                            received.write(buf, 0, n);
                            all = received.toByteArray();
                        }
                        out.write(answer.apply(all));
                    }
                } catch (IOException e) {
                    // the test closed the server
                }
            }, "tiny-server");
            t.setDaemon(true);
            t.start();
        }

        Remote address(Protocol protocol) {
            return new Remote(protocol, "127.0.0.1", listener.getLocalPort());
        }

        byte[] received() {
            synchronized (received) {
                return received.toByteArray();
            }
        }

        void send(byte[] bytes) throws IOException {
            client.getOutputStream().write(bytes);
        }

        void hangUp() throws IOException {
            client.close();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            if (client != null) {
                client.close();
            }
        }
    }

    /** Answers RFC 2217's line settings (once) as ser2net does: the values it set, and its signature when asked. */
    private static Function<byte[], byte[]> answering(int baud) {
        boolean[] done = {false};
        return all -> {
            if (done[0] || count(all, bytes(IAC, SB, COM, TelnetCodec.SIGNATURE, IAC, SE)) == 0) {
                return new byte[0];
            }
            done[0] = true;
            return concat(sb(100, "tiny".getBytes(StandardCharsets.US_ASCII)),
                    sb(101, baud >>> 24, baud >>> 16, baud >>> 8, baud), sb(102, 8), sb(103, 1), sb(104, 1), sb(105, 1));
        };
    }

    private static final Function<byte[], byte[]> SILENT = all -> new byte[0];

    @Test
    void rfc2217NegotiatesThePortAndSets115200EightNOne() throws Exception {
        // DO TERMINAL-TYPE is an option this side does not have: it must refuse it, once
        TinyServer server = new TinyServer(concat(SER2NET_GREETING, bytes(IAC, DO, 24)), answering(115_200));
        try (NetworkSerialLink link = NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200)) {
            assertThat(link.describe()).isEqualTo(server.address(Protocol.RFC2217).url() + " at 115200 8N1 (RFC 2217, tiny)");
            byte[] sent = server.received();
            for (byte[] expected : List.of(bytes(IAC, WILL, COM), bytes(IAC, WILL, 0), bytes(IAC, DO, 0),
                    bytes(IAC, WONT, 24), bytes(IAC, DO, 1),
                    sb(1, 0x00, 0x01, 0xC2, 0x00), sb(2, 8), sb(3, 1), sb(4, 1))) {
                assertThat(count(sent, expected)).as("%s in %s", hex(expected), hex(sent)).isPositive();
            }
            // The server's DO for what this side already offered is an agreement, not a question: no second WILL
            assertThat(count(sent, bytes(IAC, WILL, COM))).isEqualTo(1);
            assertThat(count(sent, bytes(IAC, WONT, 24))).isEqualTo(1);
        }
    }

    @Test
    void iacIsDoubledOnTheWireBothWaysAndCommandsNeverReachTheConsole() throws Exception {
        TinyServer server = new TinyServer(SER2NET_GREETING, answering(115_200));
        try (NetworkSerialLink link = NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200)) {
            int before = server.received().length;
            link.output().write(bytes('A', 0xFF, 'B', '\r'));
            link.output().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> server.received().length >= before + 5);
            assertThat(Arrays.copyOfRange(server.received(), before, before + 5)).isEqualTo(bytes('A', 0xFF, 0xFF, 'B', '\r'));

            // data with an escaped 0xFF, a NOP, a modem state notification and a signature request in between
            server.send(concat(bytes('x', IAC, IAC, 'y', IAC, 241), sb(107, 0x30), bytes('z'), sb(100), bytes('\r', '\n')));
            assertThat(readUntil(link.input(), 6)).isEqualTo(bytes('x', 0xFF, 'y', 'z', '\r', '\n'));
            await().atMost(Duration.ofSeconds(5)).until(() -> count(server.received(),
                    concat(bytes(IAC, SB, COM, 0), "firstboot".getBytes(StandardCharsets.US_ASCII), bytes(IAC, SE))) == 1);
        }
    }

    @Test
    void garbageFromTheServerIsDroppedAndTheLinkGoesOn() throws Exception {
        TinyServer server = new TinyServer(SER2NET_GREETING, answering(115_200));
        try (NetworkSerialLink link = NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200)) {
            byte[] overlong = new byte[TelnetCodec.MAX_SUBNEGOTIATION + 50];
            Arrays.fill(overlong, (byte) 'g');
            server.send(concat(
                    bytes('x', IAC, 0x07, 'y'),                    // IAC and a byte that is no command
                    bytes(IAC, SE, 'z'),                           // a stray end of subnegotiation
                    bytes(IAC, SB, COM), overlong, bytes(IAC, SE), // longer than any real one
                    bytes('1', IAC, SB, COM, 101, IAC, 'w', 'v', IAC, SE), // cut short: dropped up to its end
                    bytes(IAC, SB, 77, 1, 2, IAC, SE),             // another option's subnegotiation
                    bytes(IAC, WILL, 99),                          // an option nobody asked for
                    "ok\r\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(new String(readUntil(link.input(), 8), StandardCharsets.ISO_8859_1)).isEqualTo("xyz1ok\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> count(server.received(), bytes(IAC, DONT, 99)) == 1);
        }
    }

    @Test
    void aServerThatNeverAnswersTheNegotiationFailsAtTheDeadline() throws Exception {
        TinyServer server = new TinyServer(new byte[0], SILENT);
        Remote where = server.address(Protocol.RFC2217);
        assertThatThrownBy(() -> NetworkSerialLink.open(where, 115_200, Duration.ofMillis(400)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(where.url() + " accepted the connection but did not agree to RFC 2217 within 400 ms")
                .hasMessageContaining("no Telnet negotiation at all")
                .hasMessageContaining("socket://127.0.0.1:" + where.port());
    }

    @Test
    void aRawExportTakenForRfc2217SaysWhatItPrinted() throws Exception {
        TinyServer server = new TinyServer("DevKit boot\r\n".getBytes(StandardCharsets.US_ASCII), SILENT);
        assertThatThrownBy(() -> NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200, Duration.ofMillis(400)))
                .isInstanceOf(IOException.class).hasMessageContaining("only \"DevKit boot\"");
    }

    @Test
    void aServerThatAgreesButNeverConfirmsTheLineFailsAtTheDeadline() throws Exception {
        TinyServer server = new TinyServer(SER2NET_GREETING, SILENT);
        assertThatThrownBy(() -> NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200, Duration.ofMillis(400)))
                .isInstanceOf(IOException.class).hasMessageContaining("did not confirm 115200 8N1 within 400 ms");
    }

    @Test
    void aServerThatRefusesTheComPortOptionPointsToSocket() throws Exception {
        TinyServer server = new TinyServer(bytes(IAC, DONT, COM), SILENT);
        assertThatThrownBy(() -> NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200))
                .isInstanceOf(IOException.class).hasMessageContaining("refused RFC 2217")
                .hasMessageContaining("telnet(rfc2217)").hasMessageContaining("socket://");
    }

    @Test
    void aBaudRateTheServerCannotSetIsRefused() throws Exception {
        TinyServer server = new TinyServer(SER2NET_GREETING, answering(9600));
        assertThatThrownBy(() -> NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200))
                .isInstanceOf(IOException.class).hasMessageContaining("set 9600 baud where 115200 was asked");
    }

    @Test
    void aServerThatHangsUpDuringTheNegotiationSaysWhatItSaid() throws Exception {
        TinyServer server = new TinyServer(concat(SER2NET_GREETING, "Port already in use\r\n".getBytes(StandardCharsets.US_ASCII)),
                SILENT);
        Thread hangUp = new Thread(() -> {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.client != null && server.received().length > 0);
            try {
                server.hangUp();
            } catch (IOException e) {
                // already gone
            }
        });
        hangUp.start();
        assertThatThrownBy(() -> NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200))
                .isInstanceOf(IOException.class).hasMessageContaining("closed the connection while RFC 2217 was negotiated")
                .hasMessageContaining("\"Port already in use\"");
        hangUp.join();
    }

    @Test
    void aRefusedConnectionNamesTheUrlAndTheExporter() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Remote where = new Remote(Protocol.RFC2217, "127.0.0.1", port);
        assertThatThrownBy(() -> NetworkSerialLink.open(where, 115_200))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot connect to serial port rfc2217://127.0.0.1:" + port + ": connection refused")
                .hasMessageContaining("ser2net (or labgrid's exporter)")
                .hasMessageContaining("accepter: telnet(rfc2217),tcp," + port);
    }

    @Test
    void socketPassesEveryByteAsItIsAndTimesOutLikeALocalPort() throws Exception {
        TinyServer server = new TinyServer(bytes(IAC, DO, COM, '\r', 0), SILENT);
        try (NetworkSerialLink link = NetworkSerialLink.open(server.address(Protocol.RAW), 115_200)) {
            assertThat(link.describe()).endsWith("(raw TCP; the exporter sets the line)");
            assertThat(readUntil(link.input(), 5)).isEqualTo(bytes(IAC, DO, COM, '\r', 0));
            link.output().write(bytes(0xFF, '\r'));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.received().length == 2);
            assertThat(server.received()).isEqualTo(bytes(0xFF, '\r'));
            // nothing to read: the read gives up after the read timeout, which is not an end
            assertThatThrownBy(() -> link.input().read(new byte[8])).isInstanceOf(InterruptedIOException.class);
        }
    }

    @Test
    void aWriteTheExporterNeverTakesFailsAtTheWriteTimeout() throws Exception {
        try (ServerSocket listener = new ServerSocket()) {
            listener.setReceiveBufferSize(4096);
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            Remote where = new Remote(Protocol.RAW, "127.0.0.1", listener.getLocalPort());
            try (NetworkSerialLink link = NetworkSerialLink.open(where, 115_200); Socket neverRead = listener.accept()) {
                byte[] chunk = new byte[1 << 20];
                // once the kernel's buffers are full, a write blocks until the watchdog closes the connection under it
                assertThatThrownBy(() -> {
                    for (int i = 0; i < 256; i++) {
                        link.output().write(chunk);
                    }
                }).isInstanceOf(InterruptedIOException.class)
                        .hasMessageContaining(where.url() + " accepted no bytes within 2 s");
            }
        }
    }

    @Test
    void aDroppedConnectionEndsTheConsoleAtOnceAndSaysToCheckTheExporter() throws Exception {
        TinyServer server = new TinyServer(SER2NET_GREETING, answering(115_200));
        try (ExpectConsole console = ExpectConsole.over(NetworkSerialLink.open(server.address(Protocol.RFC2217), 115_200))
                .named("board").start()) {
            server.send("# ".getBytes(StandardCharsets.US_ASCII));
            console.expect(Pattern.compile("^# "), Duration.ofSeconds(5));
            server.hangUp();
            long start = System.nanoTime();
            assertThatThrownBy(() -> console.expect(Pattern.compile("never"), Duration.ofSeconds(30)))
                    .isInstanceOf(ConsoleClosedException.class)
                    .hasMessageContaining("the serial port closed")
                    .hasMessageContaining("rfc2217://127.0.0.1:")
                    .hasMessageContaining("is ser2net (or labgrid's exporter) still running on 127.0.0.1");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }

    /** Reads exactly {@code n} bytes, riding over read timeouts, for at most 5 s. */
    private static byte[] readUntil(InputStream in, int n) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        byte[] buf = new byte[n];
        while (got.size() < n && System.nanoTime() < end) {
            try {
                int r = in.read(buf, 0, n - got.size());
                if (r < 0) {
                    break;
                }
                got.write(buf, 0, r);
            } catch (InterruptedIOException quiet) {
                // nothing yet
            }
        }
        return got.toByteArray();
    }

    private static byte[] sb(int command, int... value) {
        byte[] v = new byte[value.length];
        for (int i = 0; i < value.length; i++) {
            v[i] = (byte) value[i];
        }
        return sb(command, v);
    }

    private static byte[] sb(int command, byte[] value) {
        return concat(bytes(IAC, SB, COM, command), value, bytes(IAC, SE));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static int count(byte[] hay, byte[] needle) {
        int n = 0;
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                n++;
            }
        }
        return n;
    }
}
