package dev.firstboot.identity.tpm;

/**
 * The default DPS registration id of a TPM device (hsm-adapter.md §5, dps.md §1.8): lowercase RFC 4648 base32 of
 * SHA-256 over the EK exactly as the device reports it, i.e. the marshalled TPM2B_PUBLIC including its 2-byte size,
 * with the {@code =} padding stripped. Always 52 characters from {@code [a-z2-7]}.
 */
public final class TpmRegistrationIds {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private TpmRegistrationIds() {
    }

    public static String fromEndorsementKey(byte[] tpm2bPublic) {
        return base32(TpmPublic.sha256(tpm2bPublic));
    }

    /** Lowercase RFC 4648 base32 without padding. */
    static String base32(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(ALPHABET[(buffer >>> (bits - 5)) & 0x1f]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(ALPHABET[(buffer << (5 - bits)) & 0x1f]);
        }
        return sb.toString();
    }
}
