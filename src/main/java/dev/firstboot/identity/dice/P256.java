package dev.firstboot.identity.dice;

import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.math.ec.ECPoint;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;

/** NIST P-256 arithmetic (BouncyCastle's curve math) and conversion to JDK keys. */
final class P256 {
    static final X9ECParameters CURVE = ECNamedCurveTable.getByName("secp256r1");
    static final BigInteger N = CURVE.getN();
    private static final ECParameterSpec JDK_SPEC = jdkSpec();

    private P256() {
    }

    /** d·G. */
    static ECPoint multiplyG(BigInteger d) {
        return CURVE.getG().multiply(d).normalize();
    }

    static KeyPair keyPair(BigInteger d) {
        ECPoint q = multiplyG(d);
        try {
            KeyFactory kf = KeyFactory.getInstance("EC");
            ECPublicKey pub = (ECPublicKey) kf.generatePublic(new ECPublicKeySpec(new java.security.spec.ECPoint(
                    q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()), JDK_SPEC));
            ECPrivateKey priv = (ECPrivateKey) kf.generatePrivate(new ECPrivateKeySpec(d, JDK_SPEC));
            return new KeyPair(pub, priv);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK cannot build a P-256 key", e);
        }
    }

    /** 04 ‖ X ‖ Y, 65 bytes. */
    static byte[] uncompressed(ECPublicKey key) {
        byte[] out = new byte[65];
        out[0] = 4;
        copyFixed(key.getW().getAffineX(), out, 1);
        copyFixed(key.getW().getAffineY(), out, 33);
        return out;
    }

    /** A non-negative integer below 2^256 as 32 big-endian bytes. */
    static byte[] fixed32(BigInteger v) {
        byte[] out = new byte[32];
        copyFixed(v, out, 0);
        return out;
    }

    private static void copyFixed(BigInteger v, byte[] into, int at) {
        byte[] b = v.toByteArray();
        int skip = b.length > 32 ? b.length - 32 : 0;
        System.arraycopy(b, skip, into, at + 32 - (b.length - skip), b.length - skip);
    }

    private static ECParameterSpec jdkSpec() {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec("secp256r1"));
            return p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The JDK does not know the P-256 curve", e);
        }
    }
}
