package dev.firstboot.device.hsm;

import com.sun.jna.Pointer;

import java.util.Base64;
import java.util.List;

/**
 * The line protocol between {@link AdapterProcess} and {@link AdapterHost}: one request line, one answer line
 * starting with {@link #PREFIX} ({@code ok …} or {@code err …}). Byte values travel as {@code :base64}, a NULL as
 * {@code ~}; handles as the hex address ({@code 0} for NULL).
 */
final class HostProtocol {
    static final String PREFIX = "@fb ";
    /** Written to {@code *key_len} before a call, to see whether the adapter set it. */
    static final long LEN_SENTINEL = 0x5a5a5a5aL;
    /** The largest buffer the host will copy back (an EK is ~300 bytes; a chain a few KB). */
    static final long MAX_BUFFER = 1 << 20;
    static final List<String> SYMBOLS = List.of("hsm_client_x509_init", "hsm_client_x509_deinit",
            "hsm_client_tpm_init", "hsm_client_tpm_deinit", "hsm_client_tpm_interface", "hsm_client_x509_interface",
            "hsm_client_key_interface", "initialize_hsm_system", "deinitialize_hsm_system");

    private HostProtocol() {
    }

    static String handle(Pointer p) {
        return p == null ? "0" : Long.toHexString(Pointer.nativeValue(p));
    }

    static Pointer pointer(String handle) {
        long v = Long.parseUnsignedLong(handle, 16);
        return v == 0 ? null : new Pointer(v);
    }

    static String bytes(byte[] b) {
        return b == null ? "~" : ":" + Base64.getEncoder().encodeToString(b);
    }

    /** The bytes of a {@code :base64} token, or null for {@code ~}. */
    static byte[] decode(String token) {
        if (token.equals("~")) {
            return null;
        }
        if (!token.startsWith(":")) {
            throw new IllegalArgumentException("expected :base64 or ~, got a token of " + token.length() + " chars");
        }
        return Base64.getDecoder().decode(token.substring(1));
    }
}
