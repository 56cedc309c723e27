package dev.firstboot.identity.dice;

import dev.firstboot.identity.IdentityException;

/** The Unique Device Secret as typed into {@code set_dps_uds} or {@code dps_cert_gen -u}: 64 hex characters. */
public final class Uds {
    public static final int HEX_LENGTH = 64;

    private Uds() {
    }

    /**
     * 64 hex characters (either case) to 32 bytes, high nibble first. Stricter than the firmware, which silently
     * turns a non-hex character into nibble 0; a conformant UDS is what the host tool accepts.
     */
    public static byte[] parse(String hex) throws IdentityException {
        if (hex == null) {
            throw new IdentityException("No UDS given: expected " + HEX_LENGTH + " hex characters.");
        }
        if (hex.length() != HEX_LENGTH) {
            throw new IdentityException("The UDS must be exactly " + HEX_LENGTH + " hex characters (32 bytes), but "
                    + hex.length() + " characters were given. Check for a missing or extra character or whitespace.");
        }
        byte[] out = new byte[HEX_LENGTH / 2];
        for (int i = 0; i < HEX_LENGTH; i++) {
            int nibble = Character.digit(hex.charAt(i), 16);
            if (nibble < 0 || hex.charAt(i) > 'f') {
                // Character.digit also accepts non-ASCII digits; the tool accepts [0-9a-fA-F] only.
                throw new IdentityException("The UDS must contain only hex characters [0-9a-fA-F], but the character "
                        + "at position " + (i + 1) + " of " + HEX_LENGTH + " is not one.");
            }
            out[i / 2] |= (byte) (i % 2 == 0 ? nibble << 4 : nibble);
        }
        return out;
    }
}
