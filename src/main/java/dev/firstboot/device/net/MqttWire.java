package dev.firstboot.device.net;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** MQTT 3.1.1 framing for our small blocking clients: the fixed header's length, and length-prefixed strings. */
public final class MqttWire {
    private static final int MAX_MULTIPLIER = 128 * 128 * 128;

    private MqttWire() {
    }

    /** A whole packet: the fixed header byte, the remaining length, then {@code body}. */
    public static byte[] frame(int header, byte[] body) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream(body.length + 5);
        packet.write(header);
        int length = body.length;
        do {
            int digit = length % 128;
            length /= 128;
            packet.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        packet.writeBytes(body);
        return packet.toByteArray();
    }

    /** Reads the remaining length after a fixed header byte; {@code peer} names the sender in the error. */
    public static int readRemainingLength(DataInputStream in, String peer) throws IOException {
        int length = 0;
        int multiplier = 1;
        int b;
        do {
            b = in.readUnsignedByte();
            length += (b & 0x7f) * multiplier;
            if (multiplier > MAX_MULTIPLIER) {
                throw new IOException(peer + " sent a malformed MQTT length");
            }
            multiplier *= 128;
        } while ((b & 0x80) != 0);
        return length;
    }

    /** A UTF-8 string with its two-byte length, as MQTT writes topics, client ids and user names. */
    public static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length & 0xff);
        out.writeBytes(b);
    }
}
