package dev.firstboot.identity.dice;

import dev.firstboot.identity.IdentityException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;

/**
 * {@code RiotCrypt_DeriveEccKey} as the DevKit computes it: one HMAC-SHA256 block of an SP 800-108-like KDF whose
 * counter and bit length come out little-endian ({@code UINT32_TO_BIGENDIAN} is an identity macro there), read as
 * a little-endian integer to make the P-256 private scalar.
 */
public final class RiotKdf {
    private RiotKdf() {
    }

    /**
     * @param seed32 the 32-byte digest the key is derived from
     * @param label  the RIoT label, e.g. {@code "Identity"} or {@code "Alias"} (written without a NUL)
     */
    public static KeyPair deriveEccKey(byte[] seed32, String label) throws IdentityException {
        if (seed32.length != 32) {
            throw new IdentityException("A RIoT key is derived from a 32-byte digest, but " + seed32.length
                    + " bytes were given.");
        }
        byte[] out = hmac(seed32, message(label));
        byte[] bigEndian = new byte[32];
        for (int i = 0; i < 32; i++) {
            bigEndian[i] = out[31 - i];
        }
        BigInteger d = new BigInteger(1, bigEndian);
        if (d.signum() == 0 || d.compareTo(P256.N) >= 0) {
            // The firmware retries with the same input and so never returns; a harness must stop instead.
            throw new IdentityException("The '" + label + "' key derivation gives a scalar outside [1, n-1] of P-256; "
                    + "the DevKit would hang here. Use another UDS or firmware image.");
        }
        return P256.keyPair(d);
    }

    /** counter(1, LE) ‖ label ‖ 0x00 ‖ 256(LE). */
    static byte[] message(String label) {
        ByteArrayOutputStream m = new ByteArrayOutputStream();
        m.writeBytes(new byte[]{1, 0, 0, 0});
        m.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        m.write(0);
        m.writeBytes(new byte[]{0, 1, 0, 0});
        return m.toByteArray();
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Every Java platform has HmacSHA256", e);
        }
    }
}
