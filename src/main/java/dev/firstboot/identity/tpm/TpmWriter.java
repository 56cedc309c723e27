package dev.firstboot.identity.tpm;

import java.io.ByteArrayOutputStream;

/** Big-endian TPM marshalling. */
final class TpmWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TpmWriter u16(int v) {
        if (v < 0 || v > 0xffff) {
            throw new IllegalArgumentException("value " + v + " does not fit a UINT16");
        }
        out.write(v >>> 8);
        out.write(v);
        return this;
    }

    TpmWriter u32(long v) {
        out.write((int) (v >>> 24));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
        return this;
    }

    TpmWriter raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** A TPM2B: 2-byte size, then the bytes. */
    TpmWriter sized(byte[] b) {
        return u16(b.length).raw(b);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    static byte[] sizedOf(byte[] b) {
        return new TpmWriter().sized(b).bytes();
    }
}
