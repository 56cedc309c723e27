package dev.firstboot.identity.dice;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Standard SHA-256, used from step 5 of the derivation on (unlike {@link DiceHash}). */
final class Sha256 {
    private Sha256() {
    }

    static byte[] of(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
