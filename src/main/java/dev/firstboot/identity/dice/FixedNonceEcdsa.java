package dev.firstboot.identity.dice;

import org.bouncycastle.math.ec.ECPoint;

import java.math.BigInteger;
import java.security.interfaces.ECPrivateKey;

/**
 * ECDSA-SHA256 on P-256 with the nonce the DevKit's {@code get_random_bytes} hard-codes (bytes 0x20..0x01, read as
 * a little-endian bigval). Every signature it makes is reproducible, which is what lets a harness compare the
 * device's certificates byte for byte, and why the DeviceID key is recoverable from any two of them.
 */
public final class FixedNonceEcdsa {
    /** k = 0x0102…1f20. */
    static final BigInteger K = new BigInteger("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 16);

    private FixedNonceEcdsa() {
    }

    /** DER {@code SEQUENCE{INTEGER r, INTEGER s}} over SHA-256({@code tbs}), encoded as the firmware does. */
    public static byte[] signDer(byte[] tbs, ECPrivateKey key) {
        BigInteger[] rs = sign(tbs, key.getS());
        return Der.seq(Der.unsignedInteger(P256.fixed32(rs[0])), Der.unsignedInteger(P256.fixed32(rs[1])));
    }

    static BigInteger[] sign(byte[] tbs, BigInteger d) {
        BigInteger n = P256.N;
        BigInteger e = new BigInteger(1, Sha256.of(tbs));
        ECPoint kg = P256.multiplyG(K);
        BigInteger r = kg.getAffineXCoord().toBigInteger().mod(n);
        BigInteger s = K.modInverse(n).multiply(e.add(d.multiply(r))).mod(n);
        if (r.signum() == 0 || s.signum() == 0) {
            // The firmware would retry with the same nonce forever; probability about 2^-256.
            throw new IllegalStateException("ECDSA with the DevKit's fixed nonce gives r or s = 0 for this input");
        }
        return new BigInteger[]{r, s};
    }
}
