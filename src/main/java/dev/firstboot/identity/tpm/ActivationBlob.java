package dev.firstboot.identity.tpm;

import dev.firstboot.identity.IdentityException;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * The DPS TPM activation blob ({@code authenticationKey}), byte-exact per dps.md §3.2: six TPM2B values in a row.
 * Every field holds the payload of its TPM2B, without the 2-byte size; {@link #toBytes()} adds the sizes back.
 *
 * @param credentialBlob TPM2B_ID_OBJECT payload: BE16(32) ‖ integrityHMAC ‖ encIdentity
 * @param secret         TPM2B_ENCRYPTED_SECRET payload: the credential seed, RSA-OAEP to the EK, label IDENTITY
 * @param idKeyDuplicate TPM2B_PRIVATE payload: BE16(32) ‖ outerHMAC ‖ dupSensitive, the duplicated HMAC key
 * @param encryptedSeed  TPM2B_ENCRYPTED_SECRET payload: the outer wrapper seed, RSA-OAEP to the SRK, label DUPLICATE
 * @param idKeyPublic    TPM2B_PUBLIC payload: the TPMT_PUBLIC of the HMAC key
 * @param encUriData     TPM2B_DATA payload: optional data encrypted under the inner wrapper key
 */
public record ActivationBlob(byte[] credentialBlob, byte[] secret, byte[] idKeyDuplicate, byte[] encryptedSeed,
                             byte[] idKeyPublic, byte[] encUriData) {
    /** TPMA_OBJECT of the ID key: sign | userWithAuth | noDA; fixedTPM and fixedParent must stay clear for Import. */
    static final int ID_KEY_ATTRIBUTES = TpmPublic.SIGN | TpmPublic.USER_WITH_AUTH | TpmPublic.NO_DA;
    /** MAX_SYM_DATA of the reference TPM: the largest keyedHash sensitive a TPM accepts. */
    static final int MAX_HMAC_KEY = 128;
    private static final int DIGEST = 32;
    private static final int AES128 = 16;

    public ActivationBlob {
        credentialBlob = credentialBlob.clone();
        secret = secret.clone();
        idKeyDuplicate = idKeyDuplicate.clone();
        encryptedSeed = encryptedSeed.clone();
        idKeyPublic = idKeyPublic.clone();
        encUriData = encUriData.clone();
    }

    @Override
    public byte[] credentialBlob() {
        return credentialBlob.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public byte[] idKeyDuplicate() {
        return idKeyDuplicate.clone();
    }

    @Override
    public byte[] encryptedSeed() {
        return encryptedSeed.clone();
    }

    @Override
    public byte[] idKeyPublic() {
        return idKeyPublic.clone();
    }

    @Override
    public byte[] encUriData() {
        return encUriData.clone();
    }

    /** Builds the blob with an empty encUriData ({@code BE16(0)}); see {@link #build(TpmPublic, TpmPublic, byte[], byte[], SecureRandom)}. */
    public static ActivationBlob build(TpmPublic ek, TpmPublic srk, byte[] hmacKey, SecureRandom random)
            throws IdentityException {
        return build(ek, srk, hmacKey, new byte[0], random);
    }

    /**
     * Builds the blob the service sends so that the device with this EK and SRK ends up holding {@code hmacKey} as
     * an HMAC-SHA256 key: a credential made for the EK and bound to Name(SRK) carries the inner wrapper key; the HMAC
     * key is duplicated for the SRK with that inner wrapper (dps.md §3.4).
     *
     * @param uriData bytes to encrypt into item 6 (e.g. the hub host name); may be empty
     */
    public static ActivationBlob build(TpmPublic ek, TpmPublic srk, byte[] hmacKey, byte[] uriData,
                                       SecureRandom random) throws IdentityException {
        requireStorageKey("EK", ek);
        requireStorageKey("SRK", srk);
        if (hmacKey.length == 0 || hmacKey.length > MAX_HMAC_KEY) {
            throw new IdentityException("the HMAC key is " + hmacKey.length + " bytes; a TPM keyedHash key holds 1 to "
                    + MAX_HMAC_KEY);
        }
        if (uriData.length > 0xffff) {
            throw new IdentityException("encUriData of " + uriData.length + " bytes does not fit a TPM2B_DATA");
        }
        // A. the ID key
        byte[] seedValue = randomBytes(random, DIGEST);
        byte[] sensitive = new TpmWriter().u16(TpmAlg.KEYEDHASH).sized(new byte[0]).sized(seedValue).sized(hmacKey)
                .bytes();
        byte[] idPublic = idKeyPublic(TpmPublic.sha256(seedValue, hmacKey));
        byte[] idName = TpmPublic.nameOf(idPublic);

        // B. inner wrapper
        byte[] innerKey = randomBytes(random, AES128);
        byte[] sens = TpmWriter.sizedOf(sensitive);
        byte[] innerIntegrity = TpmWriter.sizedOf(TpmPublic.sha256(sens, idName));
        byte[] encSens = aesCfb(innerKey, new TpmWriter().raw(innerIntegrity).raw(sens).bytes());

        // C. outer wrapper to the SRK
        byte[] seed2 = randomBytes(random, DIGEST);
        byte[] encryptedSeed = oaep(srk, "DUPLICATE", seed2, random);
        byte[] dupSensitive = aesCfb(Kdfa.sha256(seed2, "STORAGE", idName, new byte[0], 128), encSens);
        byte[] outerHmac = Kdfa.hmacSha256(Kdfa.sha256(seed2, "INTEGRITY", new byte[0], new byte[0], 256),
                dupSensitive, idName);
        byte[] duplicate = new TpmWriter().sized(outerHmac).raw(dupSensitive).bytes();

        // D. credential to the EK, bound to Name(SRK)
        byte[] srkName = srk.name();
        byte[] seed1 = randomBytes(random, DIGEST);
        byte[] secret = oaep(ek, "IDENTITY", seed1, random);
        byte[] encIdentity = aesCfb(Kdfa.sha256(seed1, "STORAGE", srkName, new byte[0], 128),
                TpmWriter.sizedOf(innerKey));
        byte[] integrityHmac = Kdfa.hmacSha256(Kdfa.sha256(seed1, "INTEGRITY", new byte[0], new byte[0], 256),
                encIdentity, srkName);
        byte[] credential = new TpmWriter().sized(integrityHmac).raw(encIdentity).bytes();

        // E. encUriData
        byte[] encUri = uriData.length == 0 ? new byte[0] : aesCfb(innerKey, uriData);
        return new ActivationBlob(credential, secret, duplicate, encryptedSeed, idPublic, encUri);
    }

    /** Splits a blob into its six parts; fails, naming the offset, when a size runs past the end or bytes remain. */
    public static ActivationBlob parse(byte[] blob) throws IdentityException {
        TpmReader r = new TpmReader("activation blob", blob);
        ActivationBlob parsed = new ActivationBlob(r.sized("credentialBlob (TPM2B_ID_OBJECT)"),
                r.sized("secret (TPM2B_ENCRYPTED_SECRET)"), r.sized("idKeyDupBlob (TPM2B_PRIVATE)"),
                r.sized("encWrapKey (TPM2B_ENCRYPTED_SECRET)"), r.sized("idKeyPub (TPM2B_PUBLIC)"),
                r.sized("encUriData (TPM2B_DATA)"));
        r.end();
        return parsed;
    }

    /** The marshalled blob: each part with its 2-byte size, in the order of dps.md §3.2. */
    public byte[] toBytes() {
        return new TpmWriter().sized(credentialBlob).sized(secret).sized(idKeyDuplicate).sized(encryptedSeed)
                .sized(idKeyPublic).sized(encUriData).bytes();
    }

    /** TPMS_ID_OBJECT.integrityHMAC: the first TPM2B inside the credential. */
    public byte[] credentialIntegrityHmac() throws IdentityException {
        return new TpmReader("TPMS_ID_OBJECT", credentialBlob).sized("integrityHMAC");
    }

    /** TPMS_ID_OBJECT.encIdentity: the bytes after integrityHMAC, not size-prefixed. */
    public byte[] credentialEncIdentity() throws IdentityException {
        TpmReader r = new TpmReader("TPMS_ID_OBJECT", credentialBlob);
        r.sized("integrityHMAC");
        return r.raw(r.remaining(), "encIdentity");
    }

    /** Name of the ID key the blob carries. */
    public byte[] idKeyName() {
        return TpmPublic.nameOf(idKeyPublic);
    }

    @Override
    public String toString() {
        return "ActivationBlob[credential " + credentialBlob.length + " B, secret " + secret.length + " B, duplicate "
                + idKeyDuplicate.length + " B, seed " + encryptedSeed.length + " B, public " + idKeyPublic.length
                + " B, uri " + encUriData.length + " B]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActivationBlob b && java.util.Arrays.equals(toBytes(), b.toBytes());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(toBytes());
    }

    static byte[] idKeyPublic(byte[] unique) {
        return new TpmWriter().u16(TpmAlg.KEYEDHASH).u16(TpmAlg.SHA256).u32(ID_KEY_ATTRIBUTES).sized(new byte[0])
                .u16(TpmAlg.HMAC).u16(TpmAlg.SHA256).sized(unique).bytes();
    }

    private static void requireStorageKey(String role, TpmPublic key) throws IdentityException {
        if (!key.symmetric().isAes128Cfb()) {
            throw new IdentityException(role + " symmetric algorithm is " + key.symmetric()
                    + "; expected AES-128-CFB (the standard " + role + " template)");
        }
        if (!key.has(TpmPublic.RESTRICTED | TpmPublic.DECRYPT)) {
            throw new IdentityException(String.format("%s attributes 0x%08x lack restricted|decrypt; it cannot be a"
                    + " storage or endorsement key", role, key.attributes()));
        }
    }

    static byte[] aesCfb(byte[] key, byte[] data) {
        try {
            Cipher c = Cipher.getInstance("AES/CFB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[AES128]));
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CFB unavailable: " + e.getClass().getSimpleName(), e);
        }
    }

    private static byte[] oaep(TpmPublic key, String label, byte[] seed, SecureRandom random) {
        byte[] labelBytes = (label + "\0").getBytes(StandardCharsets.US_ASCII);
        try {
            Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
            c.init(Cipher.ENCRYPT_MODE, key.rsaPublicKey(), new OAEPParameterSpec("SHA-256", "MGF1",
                    MGF1ParameterSpec.SHA256, new PSource.PSpecified(labelBytes)), random);
            return c.doFinal(seed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA-OAEP unavailable: " + e.getClass().getSimpleName(), e);
        }
    }

    private static byte[] randomBytes(SecureRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
