package dev.firstboot.device.serial;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The client's side of Telnet (RFC 854/855) with the COM-PORT-OPTION (RFC 2217), as a serial console needs it, and
 * no I/O of its own: bytes from the server go in through {@link #feed}, and out come the console's data bytes
 * ({@link #takeData}) and the answers owed to the server ({@link #takeReplies}), which the caller sends.
 *
 * <p>Option negotiation follows RFC 1143's rules, reduced to options this side only ever turns on: an answer is sent
 * only when an option's state changes, so two sides can never loop. This side offers and asks for BINARY and
 * SUPPRESS-GO-AHEAD both ways and offers COM-PORT-OPTION; it lets the server echo (a serial port's echo comes from
 * the board, and a server's WILL ECHO only tells a terminal not to echo locally) and refuses every other option.
 * A command it does not know, a subnegotiation for another option or one too long to be real is dropped: garbage
 * from the wire never ends the link. Thread-safe: the reader thread feeds while a writer encodes.
 */
final class TelnetCodec {
    static final int IAC = 255;
    static final int DONT = 254;
    static final int DO = 253;
    static final int WONT = 252;
    static final int WILL = 251;
    static final int SB = 250;
    static final int SE = 240;

    static final int BINARY = 0;
    static final int ECHO = 1;
    static final int SGA = 3;
    static final int COM_PORT_OPTION = 44;

    /** RFC 2217 commands as the client sends them; the server's carry the same number plus {@link #SERVER}. */
    static final int SIGNATURE = 0;
    static final int SET_BAUDRATE = 1;
    static final int SET_DATASIZE = 2;
    static final int SET_PARITY = 3;
    static final int SET_STOPSIZE = 4;
    static final int SET_CONTROL = 5;
    static final int NOTIFY_LINESTATE = 6;
    static final int NOTIFY_MODEMSTATE = 7;
    static final int FLOWCONTROL_SUSPEND = 8;
    static final int FLOWCONTROL_RESUME = 9;
    static final int SERVER = 100;

    static final int PARITY_NONE = 1;
    static final int STOPSIZE_1 = 1;
    static final int CONTROL_NO_FLOW_CONTROL = 1;

    /** Longer than any RFC 2217 subnegotiation (a signature is a short product name). */
    static final int MAX_SUBNEGOTIATION = 256;
    static final String SIGNATURE_TEXT = "firstboot";

    private enum Q { NO, YES, WANTYES }

    private enum State { DATA, CR, IAC, OPTION, SB_OPTION, SB_DATA, SB_IAC, SB_DROP, SB_DROP_IAC }

    private final Q[] us = new Q[256];
    private final Q[] them = new Q[256];
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();
    private int dataFrom;
    private final ByteArrayOutputStream replies = new ByteArrayOutputStream();
    private final ByteArrayOutputStream sb = new ByteArrayOutputStream();
    private final Map<Integer, byte[]> answers = new HashMap<>();
    private State state = State.DATA;
    private int verb;
    private int sbOption;
    private boolean comPortRefused;
    private boolean suspended;
    private String signature = "";
    private long telnetBytes;

    TelnetCodec() {
        Arrays.fill(us, Q.NO);
        Arrays.fill(them, Q.NO);
    }

    /** What the client says first: it offers COM-PORT-OPTION, BINARY and SGA and asks the server for BINARY and SGA. */
    synchronized byte[] opening() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int option : new int[] {COM_PORT_OPTION, BINARY, SGA}) {
            us[option] = Q.WANTYES;
            out.writeBytes(new byte[] {(byte) IAC, (byte) WILL, (byte) option});
        }
        for (int option : new int[] {BINARY, SGA}) {
            them[option] = Q.WANTYES;
            out.writeBytes(new byte[] {(byte) IAC, (byte) DO, (byte) option});
        }
        return out.toByteArray();
    }

    /**
     * Asks for {@code baud}, 8 data bits, no parity, one stop bit and no flow control, and for the server's signature.
     * The server answers each; {@link #lineAnswered()} tells when it has.
     */
    synchronized byte[] lineRequest(int baud) {
        for (int command = SET_BAUDRATE; command <= SET_STOPSIZE; command++) {
            answers.remove(SERVER + command);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        subnegotiation(out, SET_BAUDRATE, new byte[] {(byte) (baud >>> 24), (byte) (baud >>> 16), (byte) (baud >>> 8),
                (byte) baud});
        subnegotiation(out, SET_DATASIZE, new byte[] {8});
        subnegotiation(out, SET_PARITY, new byte[] {PARITY_NONE});
        subnegotiation(out, SET_STOPSIZE, new byte[] {STOPSIZE_1});
        subnegotiation(out, SET_CONTROL, new byte[] {CONTROL_NO_FLOW_CONTROL});
        subnegotiation(out, SIGNATURE, new byte[0]);
        return out.toByteArray();
    }

    private static void subnegotiation(ByteArrayOutputStream out, int command, byte[] value) {
        out.writeBytes(new byte[] {(byte) IAC, (byte) SB, (byte) COM_PORT_OPTION, (byte) command});
        for (byte b : value) {
            out.write(b);
            if ((b & 0xFF) == IAC) {
                out.write(IAC);
            }
        }
        out.writeBytes(new byte[] {(byte) IAC, (byte) SE});
    }

    /** Console bytes as they go on the wire: IAC doubled, and a bare CR sent as CR NUL unless this side is binary. */
    synchronized byte[] encode(byte[] bytes, int off, int len) {
        boolean binary = us[BINARY] == Q.YES;
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 8);
        for (int i = off; i < off + len; i++) {
            int b = bytes[i] & 0xFF;
            out.write(b);
            if (b == IAC) {
                out.write(IAC);
            } else if (b == '\r' && !binary && (i + 1 >= off + len || bytes[i + 1] != '\n')) {
                out.write(0);
            }
        }
        return out.toByteArray();
    }

    /** Takes {@code n} bytes from the server. */
    synchronized void feed(byte[] bytes, int n) {
        for (int i = 0; i < n; i++) {
            step(bytes[i] & 0xFF);
        }
    }

    private void step(int b) {
        switch (state) {
            case DATA, CR -> {
                boolean afterCr = state == State.CR;
                state = State.DATA;
                if (b == IAC) {
                    state = State.IAC;
                    telnetBytes++;
                } else if (!(afterCr && b == 0)) {
                    data.write(b);
                    if (b == '\r' && them[BINARY] != Q.YES) {
                        state = State.CR;
                    }
                }
            }
            case IAC -> {
                telnetBytes++;
                if (b == IAC) {
                    data.write(IAC);
                    state = State.DATA;
                } else if (b >= WILL) {
                    verb = b;
                    state = State.OPTION;
                } else if (b == SB) {
                    state = State.SB_OPTION;
                } else {
                    // NOP, GA, DM, BRK, AYT, a stray SE or a byte that is no command: nothing to do
                    state = State.DATA;
                }
            }
            case OPTION -> {
                telnetBytes++;
                negotiate(verb, b);
                state = State.DATA;
            }
            case SB_OPTION -> {
                telnetBytes++;
                sbOption = b;
                sb.reset();
                state = b == IAC ? State.SB_DROP_IAC : State.SB_DATA;
            }
            case SB_DATA -> {
                telnetBytes++;
                if (b == IAC) {
                    state = State.SB_IAC;
                } else if (sb.size() >= MAX_SUBNEGOTIATION) {
                    state = State.SB_DROP;
                } else {
                    sb.write(b);
                }
            }
            case SB_IAC -> {
                telnetBytes++;
                if (b == IAC) {
                    sb.write(IAC);
                    state = State.SB_DATA;
                } else if (b == SE) {
                    subnegotiated(sbOption, sb.toByteArray());
                    state = State.DATA;
                } else {
                    // IAC followed by anything but IAC or SE inside a subnegotiation: it was cut short; drop it
                    state = State.SB_DROP;
                }
            }
            case SB_DROP -> {
                telnetBytes++;
                state = b == IAC ? State.SB_DROP_IAC : State.SB_DROP;
            }
            case SB_DROP_IAC -> {
                telnetBytes++;
                state = b == SE ? State.DATA : State.SB_DROP;
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void negotiate(int verb, int option) {
        switch (verb) {
            case DO -> {
                if (us[option] == Q.WANTYES) {
                    us[option] = Q.YES;
                } else if (us[option] == Q.NO) {
                    boolean offered = option == COM_PORT_OPTION || option == BINARY || option == SGA;
                    us[option] = offered ? Q.YES : Q.NO;
                    reply(offered ? WILL : WONT, option);
                }
            }
            case DONT -> {
                if (us[option] == Q.YES) {
                    us[option] = Q.NO;
                    reply(WONT, option);
                } else if (us[option] == Q.WANTYES) {
                    us[option] = Q.NO;
                    if (option == COM_PORT_OPTION) {
                        comPortRefused = true;
                    }
                }
            }
            case WILL -> {
                if (them[option] == Q.WANTYES) {
                    them[option] = Q.YES;
                } else if (them[option] == Q.NO) {
                    boolean wanted = option == BINARY || option == SGA || option == ECHO;
                    them[option] = wanted ? Q.YES : Q.NO;
                    reply(wanted ? DO : DONT, option);
                }
            }
            case WONT -> {
                if (them[option] == Q.YES) {
                    them[option] = Q.NO;
                    reply(DONT, option);
                } else if (them[option] == Q.WANTYES) {
                    them[option] = Q.NO;
                }
            }
            default -> throw new IllegalStateException("verb " + verb);
        }
    }

    private void reply(int verb, int option) {
        replies.writeBytes(new byte[] {(byte) IAC, (byte) verb, (byte) option});
    }

    private void subnegotiated(int option, byte[] body) {
        if (option != COM_PORT_OPTION || body.length == 0) {
            return;
        }
        int command = body[0] & 0xFF;
        byte[] value = Arrays.copyOfRange(body, 1, body.length);
        switch (command) {
            case SERVER + SIGNATURE -> {
                if (value.length == 0) {
                    subnegotiation(replies, SIGNATURE, SIGNATURE_TEXT.getBytes(StandardCharsets.US_ASCII));
                } else {
                    signature = printable(value, value.length);
                }
            }
            case SERVER + NOTIFY_LINESTATE, SERVER + NOTIFY_MODEMSTATE -> {
                // line and modem state changes (break, carrier, DSR): a console has no use for them
            }
            case SERVER + FLOWCONTROL_SUSPEND -> suspended = true;
            case SERVER + FLOWCONTROL_RESUME -> {
                suspended = false;
                notifyAll();
            }
            default -> {
                if (command >= SERVER) {
                    answers.put(command, value);
                }
                // a client's command number from a server is not RFC 2217; dropped
            }
        }
    }

    /** True once data bytes are waiting for {@link #takeData}. */
    synchronized boolean hasData() {
        return data.size() > dataFrom;
    }

    /** Moves up to {@code len} waiting data bytes into {@code into}; returns how many. */
    synchronized int takeData(byte[] into, int off, int len) {
        byte[] all = data.toByteArray();
        int n = Math.min(len, all.length - dataFrom);
        System.arraycopy(all, dataFrom, into, off, n);
        dataFrom += n;
        if (dataFrom == all.length) {
            data.reset();
            dataFrom = 0;
        }
        return n;
    }

    /** The answers owed to the server since the last call, to send as they are; empty when none. */
    synchronized byte[] takeReplies() {
        byte[] out = replies.toByteArray();
        replies.reset();
        return out;
    }

    /** The server agreed to COM-PORT-OPTION (it sent DO). */
    synchronized boolean comPortAgreed() {
        return us[COM_PORT_OPTION] == Q.YES;
    }

    /** The server refused COM-PORT-OPTION (DONT to this side's WILL). */
    synchronized boolean comPortRefused() {
        return comPortRefused;
    }

    /** True when the server has sent at least one Telnet command byte: it speaks Telnet. */
    synchronized boolean heardTelnet() {
        return telnetBytes > 0;
    }

    /** The server answered all four line settings of {@link #lineRequest}. */
    synchronized boolean lineAnswered() {
        for (int command = SET_BAUDRATE; command <= SET_STOPSIZE; command++) {
            if (!answers.containsKey(SERVER + command)) {
                return false;
            }
        }
        return true;
    }

    /** The value the server answered a command with, big-endian, e.g. the baud rate it set. */
    synchronized Optional<Long> answer(int command) {
        byte[] value = answers.get(SERVER + command);
        if (value == null || value.length == 0 || value.length > 4) {
            return Optional.empty();
        }
        long v = 0;
        for (byte b : value) {
            v = (v << 8) | (b & 0xFF);
        }
        return Optional.of(v);
    }

    /** The server's signature, e.g. {@code ser2net}; empty until it sent one. */
    synchronized String signature() {
        return signature;
    }

    /** The data bytes waiting so far, printable, without taking them: what the server said, for a message. */
    synchronized String peekData() {
        byte[] all = data.toByteArray();
        return printable(Arrays.copyOfRange(all, dataFrom, all.length), all.length - dataFrom);
    }

    /**
     * Waits while the server has asked this side to stop sending (FLOWCONTROL-SUSPEND), at most {@code millis};
     * true when sending may go on.
     */
    synchronized boolean awaitResumed(long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        long left;
        while (suspended && (left = end - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        return !suspended;
    }

    /** A short, printable rendering of bytes received, for error messages. */
    static String printable(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n && sb.length() < 120; i++) {
            int c = bytes[i] & 0xFF;
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : c == '\r' || c == '\n' ? " " : "·");
        }
        return sb.toString().trim();
    }
}
