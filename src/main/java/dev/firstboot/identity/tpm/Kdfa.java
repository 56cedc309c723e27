package dev.firstboot.identity.tpm;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * KDFa with SHA-256 (TPM 2.0 Part 1 §11.4.10.2, SP 800-108 counter mode): the concatenation over i = 1, 2, … of
 * HMAC(key, BE32(i) ‖ label ‖ 0x00 ‖ contextU ‖ contextV ‖ BE32(bits)), cut to bits/8 bytes.
 */
final class Kdfa {
    private Kdfa() {
    }

    static byte[] sha256(byte[] key, String label, byte[] contextU, byte[] contextV, int bits) {
        if (bits <= 0 || bits % 8 != 0) {
            throw new IllegalArgumentException("KDFa output must be a positive whole number of bytes, not " + bits
                    + " bits");
        }
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[bits / 8];
        int filled = 0;
        for (int counter = 1; filled < out.length; counter++) {
            byte[] block = hmacSha256(key, new TpmWriter().u32(counter).raw(labelBytes).raw(new byte[1])
                    .raw(contextU).raw(contextV).u32(bits).bytes());
            int n = Math.min(block.length, out.length - filled);
            System.arraycopy(block, 0, out, filled, n);
            filled += n;
        }
        return out;
    }

    static byte[] hmacSha256(byte[] key, byte[]... parts) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            // A zero-length key is legal for HMAC but SecretKeySpec refuses it; the TPM never uses one here.
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable: " + e.getClass().getSimpleName(), e);
        }
    }
}
