package dev.firstboot.identity.tpm;

import dev.firstboot.identity.IdentityException;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The public area of an RSA key as a TPM marshals it: a TPM2B_PUBLIC (2-byte big-endian size, then TPMT_PUBLIC).
 * This is the form DPS receives as {@code endorsementKey} and {@code storageRootKey} (dps.md §1.3).
 */
public final class TpmPublic {
    /** TPMA_OBJECT bits (TPM 2.0 Part 2, Table 31). */
    public static final int FIXED_TPM = 0x00000002;
    public static final int FIXED_PARENT = 0x00000010;
    public static final int SENSITIVE_DATA_ORIGIN = 0x00000020;
    public static final int USER_WITH_AUTH = 0x00000040;
    public static final int ADMIN_WITH_POLICY = 0x00000080;
    public static final int NO_DA = 0x00000400;
    public static final int RESTRICTED = 0x00010000;
    public static final int DECRYPT = 0x00020000;
    public static final int SIGN = 0x00040000;

    private static final int RSAES = 0x0015;

    private final byte[] tpmtPublic;
    private final int nameAlg;
    private final long attributes;
    private final byte[] authPolicy;
    private final SymmetricDef symmetric;
    private final int scheme;
    private final int keyBits;
    private final long exponent;
    private final byte[] modulus;

    /** TPMT_SYM_DEF_OBJECT: algorithm, and for anything but TPM_ALG_NULL its key size and mode. */
    public record SymmetricDef(int algorithm, int keyBits, int mode) {
        public boolean isAes128Cfb() {
            return algorithm == TpmAlg.AES && keyBits == 128 && mode == TpmAlg.CFB;
        }
    }

    private TpmPublic(byte[] tpmtPublic, int nameAlg, long attributes, byte[] authPolicy, SymmetricDef symmetric,
                      int scheme, int keyBits, long exponent, byte[] modulus) {
        this.tpmtPublic = tpmtPublic;
        this.nameAlg = nameAlg;
        this.attributes = attributes;
        this.authPolicy = authPolicy;
        this.symmetric = symmetric;
        this.scheme = scheme;
        this.keyBits = keyBits;
        this.exponent = exponent;
        this.modulus = modulus;
    }

    /** Parses a marshalled TPM2B_PUBLIC holding an RSA key; the size prefix must equal the rest of the input. */
    public static TpmPublic parse(byte[] tpm2bPublic) throws IdentityException {
        TpmReader r = new TpmReader("TPM2B_PUBLIC", tpm2bPublic);
        int size = r.u16("size");
        if (size != r.remaining()) {
            throw new IdentityException("TPM2B_PUBLIC: size prefix at offset 0 says " + size + " bytes but "
                    + r.remaining() + " follow; expected the marshalled TPM2B_PUBLIC (2-byte size + TPMT_PUBLIC)");
        }
        byte[] tpmt = Arrays.copyOfRange(tpm2bPublic, 2, tpm2bPublic.length);
        int typeAt = r.offset();
        int type = r.u16("type");
        if (type != TpmAlg.RSA) {
            throw r.malformed(typeAt, String.format("type 0x%04x is not TPM_ALG_RSA (0x0001); only RSA keys"
                    + " (EK, SRK) are supported", type));
        }
        int nameAlgAt = r.offset();
        int nameAlg = r.u16("nameAlg");
        if (nameAlg != TpmAlg.SHA256) {
            throw r.malformed(nameAlgAt, String.format("nameAlg 0x%04x is not TPM_ALG_SHA256 (0x000b)", nameAlg));
        }
        long attributes = r.u32("objectAttributes");
        byte[] authPolicy = r.sized("authPolicy");
        int symAlg = r.u16("symmetric.algorithm");
        SymmetricDef sym = symAlg == TpmAlg.NULL
                ? new SymmetricDef(TpmAlg.NULL, 0, TpmAlg.NULL)
                : new SymmetricDef(symAlg, r.u16("symmetric.keyBits"), r.u16("symmetric.mode"));
        int scheme = r.u16("scheme");
        if (scheme != TpmAlg.NULL && scheme != RSAES) {
            r.u16("scheme.hashAlg");
        }
        int keyBitsAt = r.offset();
        int keyBits = r.u16("keyBits");
        if (keyBits != 2048) {
            throw r.malformed(keyBitsAt, "keyBits " + keyBits + " is not 2048");
        }
        long exponent = r.u32("exponent");
        int modulusAt = r.offset();
        byte[] modulus = r.sized("unique (modulus)");
        if (modulus.length != keyBits / 8) {
            throw r.malformed(modulusAt, "modulus is " + modulus.length + " bytes, expected " + keyBits / 8);
        }
        r.end();
        return new TpmPublic(tpmt, nameAlg, attributes, authPolicy, sym, scheme, keyBits, exponent, modulus);
    }

    public int type() {
        return TpmAlg.RSA;
    }

    public int nameAlg() {
        return nameAlg;
    }

    public long attributes() {
        return attributes;
    }

    public boolean has(int attribute) {
        return (attributes & attribute) == attribute;
    }

    public byte[] authPolicy() {
        return authPolicy.clone();
    }

    public SymmetricDef symmetric() {
        return symmetric;
    }

    public int scheme() {
        return scheme;
    }

    public int keyBits() {
        return keyBits;
    }

    /** The exponent field as marshalled; 0 means the default 65537. */
    public long exponent() {
        return exponent;
    }

    public byte[] modulus() {
        return modulus.clone();
    }

    /** The marshalled TPMT_PUBLIC (without the size prefix). */
    public byte[] tpmtPublic() {
        return tpmtPublic.clone();
    }

    /** The marshalled TPM2B_PUBLIC, as parsed. */
    public byte[] tpm2bPublic() {
        return TpmWriter.sizedOf(tpmtPublic);
    }

    /** Name = nameAlg (2 bytes) ‖ SHA-256(TPMT_PUBLIC). */
    public byte[] name() {
        return nameOf(tpmtPublic);
    }

    static byte[] nameOf(byte[] tpmtPublic) {
        return new TpmWriter().u16(TpmAlg.SHA256).raw(sha256(tpmtPublic)).bytes();
    }

    public RSAPublicKey rsaPublicKey() {
        long e = exponent == 0 ? 65537 : exponent;
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(new BigInteger(1, modulus), BigInteger.valueOf(e)));
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("the JDK cannot make an RSA public key", ex);
        }
    }

    static byte[] sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TpmPublic other && Arrays.equals(tpmtPublic, other.tpmtPublic);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tpmtPublic);
    }

    @Override
    public String toString() {
        return String.format("TpmPublic[RSA %d, attributes 0x%08x, name %s]", keyBits, attributes,
                HexFormat.of().formatHex(name()));
    }
}
