package dev.firstboot.identity.dice;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The few DER encodings {@code RiotDerEnc.c} produces, with minimal lengths. */
final class Der {
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int OID = 0x06;
    static final int UTF8_STRING = 0x0c;
    static final int UTC_TIME = 0x17;
    static final int SEQUENCE = 0x30;
    static final int SET = 0x31;

    private Der() {
    }

    static byte[] tlv(int tag, byte[]... contents) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (byte[] c : contents) {
            body.writeBytes(c);
        }
        int len = body.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream(len + 4);
        out.write(tag);
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >>> 8);
            out.write(len);
        } else {
            throw new IllegalArgumentException("DER element of " + len + " bytes is longer than the DevKit encodes");
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    static byte[] seq(byte[]... contents) {
        return tlv(SEQUENCE, contents);
    }

    static byte[] set(byte[]... contents) {
        return tlv(SET, contents);
    }

    static byte[] utf8(String s) {
        return tlv(UTF8_STRING, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] octets(byte[] b) {
        return tlv(OCTET_STRING, b);
    }

    /** BIT STRING with the leading 0 unused-bits byte the firmware always writes. */
    static byte[] bits(byte[] b) {
        return tlv(BIT_STRING, new byte[]{0}, b);
    }

    static byte[] bool(boolean v) {
        return new byte[]{0x01, 0x01, (byte) (v ? 0xff : 0x00)};
    }

    /** INTEGER from an unsigned big-endian array: leading zeros stripped, one 0x00 added when the top bit is set. */
    static byte[] unsignedInteger(byte[] bigEndian) {
        int i = 0;
        while (i < bigEndian.length - 1 && bigEndian[i] == 0) {
            i++;
        }
        byte[] stripped = java.util.Arrays.copyOfRange(bigEndian, i, bigEndian.length);
        return (stripped[0] & 0x80) != 0 ? tlv(INTEGER, new byte[]{0}, stripped) : tlv(INTEGER, stripped);
    }

    static byte[] smallInteger(int v) {
        return unsignedInteger(new byte[]{(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    }

    static byte[] oid(String dotted) {
        String[] arcs = dotted.split("\\.");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(Integer.parseInt(arcs[0]) * 40 + Integer.parseInt(arcs[1]));
        for (int i = 2; i < arcs.length; i++) {
            long arc = Long.parseLong(arcs[i]);
            int groups = 1;
            while (arc >>> (7 * groups) != 0) {
                groups++;
            }
            for (int g = groups - 1; g >= 0; g--) {
                body.write((int) ((arc >>> (7 * g)) & 0x7f) | (g > 0 ? 0x80 : 0));
            }
        }
        return tlv(OID, body.toByteArray());
    }

    static byte[] utcTime(String value) {
        return tlv(UTC_TIME, value.getBytes(StandardCharsets.US_ASCII));
    }

    /** Context-specific constructed tag [n]. */
    static byte[] context(int n, byte[]... contents) {
        return tlv(0xa0 | n, contents);
    }
}
