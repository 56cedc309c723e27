package dev.firstboot.identity.tpm;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.util.HexFormat;

/** RSA key pairs in the shape of the standard EK and SRK templates (dps.md §3.1), for tests without a TPM. */
final class TestKeys {
    static final byte[] EK_POLICY = HexFormat.of()
            .parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");
    static final int EK_ATTRIBUTES = TpmPublic.RESTRICTED | TpmPublic.DECRYPT | TpmPublic.FIXED_TPM
            | TpmPublic.FIXED_PARENT | TpmPublic.ADMIN_WITH_POLICY | TpmPublic.SENSITIVE_DATA_ORIGIN;
    static final int SRK_ATTRIBUTES = TpmPublic.RESTRICTED | TpmPublic.DECRYPT | TpmPublic.FIXED_TPM
            | TpmPublic.FIXED_PARENT | TpmPublic.NO_DA | TpmPublic.USER_WITH_AUTH | TpmPublic.SENSITIVE_DATA_ORIGIN;

    private TestKeys() {
    }

    static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] tpm2b(RSAPublicKey key, int attributes, byte[] policy) {
        byte[] modulus = key.getModulus().toByteArray();
        if (modulus.length == 257) {
            modulus = java.util.Arrays.copyOfRange(modulus, 1, 257);
        }
        long exponent = key.getPublicExponent().equals(BigInteger.valueOf(65537)) ? 0 : key.getPublicExponent()
                .longValueExact();
        byte[] tpmt = new TpmWriter().u16(TpmAlg.RSA).u16(TpmAlg.SHA256).u32(attributes).sized(policy)
                .u16(TpmAlg.AES).u16(128).u16(TpmAlg.CFB).u16(TpmAlg.NULL).u16(2048).u32(exponent).sized(modulus)
                .bytes();
        return TpmWriter.sizedOf(tpmt);
    }

    static byte[] ek(KeyPair pair) {
        return tpm2b((RSAPublicKey) pair.getPublic(), EK_ATTRIBUTES, EK_POLICY);
    }

    static byte[] srk(KeyPair pair) {
        return tpm2b((RSAPublicKey) pair.getPublic(), SRK_ATTRIBUTES, new byte[0]);
    }
}
