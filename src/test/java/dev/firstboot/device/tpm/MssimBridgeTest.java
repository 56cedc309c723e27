package dev.firstboot.device.tpm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Microsoft TPM simulator protocol in front of a real swtpm (which scripts/test.sh installs; without it these
 * tests fail): framing, a TPM2_GetRandom round trip, the handshake and platform signals, TSS.Java's own simulator
 * client through it, and clients that send garbage or stall, which are closed without stalling the bridge. Ports are
 * ephemeral here so that the test never needs 2321 free; the rig uses 2321 and 2322.
 */
class MssimBridgeTest {
    private static final Duration START = Duration.ofSeconds(10);
    /** How long a read in this test waits for the bridge before the test fails: never a hang. */
    private static final int CLIENT_READ_MS = 10_000;
    private static final byte[] GET_RANDOM_8 = HexFormat.of().parseHex("80010000000c0000017b0008");
    private static final byte[] STARTUP_CLEAR = HexFormat.of().parseHex("80010000000c000001440000");
    private static final int TPM_RC_SUCCESS = 0;
    private static final int TPM_RC_INITIALIZE = 0x100;
    private static final int TPM_RC_COMMAND_SIZE = 0x142;
    private static final MssimBridge.Deadlines SHORT = new MssimBridge.Deadlines(Duration.ofMillis(300),
            Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(20));

    @TempDir
    Path dir;
    private Swtpm swtpm;
    private MssimBridge bridge;
    private final List<String> notes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        swtpm = Swtpm.start(dir, START);
        bridge = open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private MssimBridge open(InetSocketAddress command, InetSocketAddress platform) throws IOException {
        return MssimBridge.open(new InetSocketAddress(swtpm.host(), swtpm.port()),
                new InetSocketAddress(swtpm.host(), swtpm.controlPort()), command, platform, SHORT, notes::add);
    }

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    /** A client of one of the bridge's ports. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final DataOutputStream out;
        final DataInputStream in;

        Client(InetSocketAddress to) throws IOException {
            socket = new Socket();
            socket.connect(to, CLIENT_READ_MS);
            socket.setSoTimeout(CLIENT_READ_MS);
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(socket.getInputStream());
        }

        /** TPM_SEND_COMMAND: u32 8, u8 locality, u32 length, command; the reply is u32 length, response, u32 0. */
        byte[] send(byte[] command) throws IOException {
            out.writeInt(MssimBridge.SEND_COMMAND);
            out.writeByte(0);
            out.writeInt(command.length);
            out.write(command);
            out.flush();
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            assertThat(in.readInt()).as("the ack after a response").isZero();
            return response;
        }

        int signal(int code) throws IOException {
            out.writeInt(code);
            out.flush();
            return in.readInt();
        }

        /** True once the bridge has closed this connection (the read sees the end, not a timeout). */
        boolean closedByPeer() throws IOException {
            try {
                return in.read() < 0;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset by the peer
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static int responseCode(byte[] response) {
        return ByteBuffer.wrap(response, 6, 4).getInt();
    }

    @Test
    void aTpmCommandGoesThroughInTheSimulatorsFramingAndSeveralShareOneSession() throws Exception {
        try (Client c = new Client(bridge.commandAddress())) {
            byte[] first = c.send(GET_RANDOM_8);
            byte[] second = c.send(GET_RANDOM_8);
            for (byte[] r : List.of(first, second)) {
                assertThat(r).hasSize(20); // header 10, TPM2B size 2, 8 random bytes
                assertThat(ByteBuffer.wrap(r).getShort() & 0xffff).isEqualTo(0x8001);
                assertThat(ByteBuffer.wrap(r, 2, 4).getInt()).isEqualTo(20);
                assertThat(responseCode(r)).isEqualTo(TPM_RC_SUCCESS);
                assertThat(ByteBuffer.wrap(r, 10, 2).getShort()).isEqualTo((short) 8);
            }
            assertThat(first).isNotEqualTo(second);
            c.out.writeInt(MssimBridge.SESSION_END);
            c.out.flush();
            assertThat(c.closedByPeer()).as("TPM_SESSION_END closes the session").isTrue();
        }
    }

    @Test
    void theHandshakeIsAnsweredAsTheSimulatorDoes() throws Exception {
        try (Client c = new Client(bridge.commandAddress())) {
            c.out.writeInt(MssimBridge.REMOTE_HANDSHAKE);
            c.out.writeInt(1);
            c.out.flush();
            assertThat(c.in.readInt()).as("server version").isEqualTo(1);
            assertThat(c.in.readInt()).as("flags").isEqualTo(MssimBridge.SERVER_FLAGS);
            assertThat(c.in.readInt()).as("ack").isZero();
            assertThat(responseCode(c.send(GET_RANDOM_8))).isEqualTo(TPM_RC_SUCCESS);
        }
    }

    /** The C SDK's power-on sequence is acknowledged; a reset reaches swtpm, whose TPM then wants TPM2_Startup. */
    @Test
    void platformSignalsAreAcknowledgedAndAResetReachesSwtpm() throws Exception {
        try (Client platform = new Client(bridge.platformAddress());
             Client commands = new Client(bridge.commandAddress())) {
            for (MssimBridge.Signal s : List.of(MssimBridge.Signal.POWER_ON, MssimBridge.Signal.NV_ON,
                    MssimBridge.Signal.PHYS_PRES_ON, MssimBridge.Signal.CANCEL_ON, MssimBridge.Signal.CANCEL_OFF)) {
                assertThat(platform.signal(s.code)).as(s.name()).isZero();
            }
            assertThat(responseCode(commands.send(GET_RANDOM_8))).as("power on while on changes nothing")
                    .isEqualTo(TPM_RC_SUCCESS);

            assertThat(platform.signal(MssimBridge.Signal.RESET.code)).isZero();
            assertThat(responseCode(commands.send(GET_RANDOM_8))).as("after a reset, before TPM2_Startup")
                    .isEqualTo(TPM_RC_INITIALIZE);
            assertThat(responseCode(commands.send(STARTUP_CLEAR))).isEqualTo(TPM_RC_SUCCESS);
            assertThat(responseCode(commands.send(GET_RANDOM_8))).isEqualTo(TPM_RC_SUCCESS);

            platform.out.writeInt(MssimBridge.SESSION_END);
            platform.out.flush();
            assertThat(platform.closedByPeer()).isTrue();
        }
        assertThat(notes).anyMatch(n -> n.contains("reset") && n.contains("done by swtpm"));
    }

    /** TSS.Java's TCP device speaks the simulator's protocol: through the bridge it reads the same EK as directly. */
    @Test
    void tssJavasSimulatorClientWorksThroughTheBridge() throws Exception {
        byte[] direct;
        try (TpmDevice tpm = TpmDevice.connect(swtpm)) {
            direct = tpm.endorsementKey();
        }
        bridge.close();
        int pair = Swtpm.freePortPair(); // TSS.Java dials the platform port at the command port + 1
        bridge = open(new InetSocketAddress(swtpm.host(), pair), new InetSocketAddress(swtpm.host(), pair + 1));
        try (TpmDevice tpm = TpmDevice.connect(swtpm.host(), pair)) {
            assertThat(tpm.endorsementKey()).isEqualTo(direct);
        }
    }

    @Test
    void aClientThatSendsGarbageIsClosedAndTheNextClientIsServed() throws Exception {
        try (Client garbage = new Client(bridge.commandAddress())) {
            garbage.out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4});
            garbage.out.flush();
            assertThat(garbage.closedByPeer()).isTrue();
        }
        try (Client huge = new Client(bridge.commandAddress())) {
            huge.out.writeInt(MssimBridge.SEND_COMMAND);
            huge.out.writeByte(0);
            huge.out.writeInt(Integer.MAX_VALUE);
            huge.out.flush();
            assertThat(huge.closedByPeer()).as("a command over 4096 bytes").isTrue();
        }
        try (Client platform = new Client(bridge.platformAddress())) {
            platform.out.writeInt(0x7777);
            platform.out.flush();
            assertThat(platform.closedByPeer()).as("an unknown platform signal").isTrue();
        }
        try (Client c = new Client(bridge.commandAddress())) {
            byte[] lying = HexFormat.of().parseHex("8001000000ff0000017b0008"); // its header claims 255 bytes
            assertThat(responseCode(c.send(lying))).isEqualTo(TPM_RC_COMMAND_SIZE);
            assertThat(responseCode(c.send(GET_RANDOM_8))).as("the session goes on").isEqualTo(TPM_RC_SUCCESS);
        }
        assertThat(notes).anyMatch(n -> n.contains("unknown command-port message 0xffffffff"))
                .anyMatch(n -> n.contains("unknown platform signal 0x7777"));
    }

    @Test
    void aClientThatStallsInTheMiddleOfAMessageOrStaysSilentIsClosedAtItsDeadline() throws Exception {
        try (Client stalled = new Client(bridge.commandAddress())) {
            stalled.out.writeInt(MssimBridge.SEND_COMMAND);
            stalled.out.writeByte(0);
            stalled.out.writeShort(0); // half of the length, then nothing
            stalled.out.flush();
            assertThat(stalled.closedByPeer()).as("closed after the frame deadline").isTrue();
        }
        try (Client silent = new Client(bridge.commandAddress())) {
            assertThat(silent.closedByPeer()).as("closed after the idle deadline").isTrue();
        }
        try (Client c = new Client(bridge.commandAddress())) {
            assertThat(responseCode(c.send(GET_RANDOM_8))).isEqualTo(TPM_RC_SUCCESS);
        }
        assertThat(notes).anyMatch(n -> n.contains("did not arrive whole in time (2 of 4 bytes)"))
                .anyMatch(n -> n.contains("silent for 2000 ms"));
    }

    @Test
    void aTakenPortIsAClearErrorAndOnlyOneBridgeIsOpenAtATime() throws Exception {
        assertThatThrownBy(() -> open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
                .hasMessageContaining("another scenario in this process serves the Microsoft TPM simulator protocol");
        bridge.close();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress at = (InetSocketAddress) taken.getLocalSocketAddress();
            assertThatThrownBy(() -> open(at, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
                    .hasMessageContaining("commands port 127.0.0.1:" + at.getPort() + " is taken")
                    .hasMessageContaining("use tpm-protocol: swtpm");
        }
        bridge = open(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (Client c = new Client(bridge.commandAddress())) {
            assertThat(responseCode(c.send(GET_RANDOM_8))).isEqualTo(TPM_RC_SUCCESS);
        }
    }
}
