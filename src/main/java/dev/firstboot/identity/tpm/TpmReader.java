package dev.firstboot.identity.tpm;

import dev.firstboot.identity.IdentityException;

import java.util.Arrays;

/** Reads big-endian TPM marshalling and says, when the bytes run out, what it was reading and at which offset. */
final class TpmReader {
    private final String what;
    private final byte[] bytes;
    private int offset;

    TpmReader(String what, byte[] bytes) {
        this.what = what;
        this.bytes = bytes;
    }

    int offset() {
        return offset;
    }

    int remaining() {
        return bytes.length - offset;
    }

    int u16(String field) throws IdentityException {
        need(2, field);
        int v = ((bytes[offset] & 0xff) << 8) | (bytes[offset + 1] & 0xff);
        offset += 2;
        return v;
    }

    long u32(String field) throws IdentityException {
        need(4, field);
        long v = ((long) (bytes[offset] & 0xff) << 24) | ((bytes[offset + 1] & 0xff) << 16)
                | ((bytes[offset + 2] & 0xff) << 8) | (bytes[offset + 3] & 0xff);
        offset += 4;
        return v;
    }

    byte[] raw(int n, String field) throws IdentityException {
        need(n, field);
        byte[] out = Arrays.copyOfRange(bytes, offset, offset + n);
        offset += n;
        return out;
    }

    /** A TPM2B: a 2-byte size, then that many bytes. */
    byte[] sized(String field) throws IdentityException {
        int at = offset;
        int n = u16(field + " size");
        if (n > remaining()) {
            throw new IdentityException(what + ": " + field + " at offset " + at + " declares " + n
                    + " bytes but only " + remaining() + " follow; the input is truncated or not a " + what);
        }
        return raw(n, field);
    }

    void end() throws IdentityException {
        if (remaining() != 0) {
            throw new IdentityException(what + ": " + remaining() + " unexpected bytes after the end, at offset "
                    + offset);
        }
    }

    IdentityException malformed(int at, String detail) {
        return new IdentityException(what + ": " + detail + " at offset " + at);
    }

    private void need(int n, String field) throws IdentityException {
        if (n > remaining()) {
            throw new IdentityException(what + ": truncated at offset " + offset + " while reading " + field
                    + " (needs " + n + " bytes, " + remaining() + " left)");
        }
    }
}
