package dev.firstboot.identity.tpm;

import dev.firstboot.identity.IdentityException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Framing of the blob. That the TPM accepts its cryptography is proven in dev.firstboot.device.tpm.TpmDeviceTest. */
class ActivationBlobTest {
    private static final KeyPair EK = TestKeys.rsa();
    private static final KeyPair SRK = TestKeys.rsa();

    private static ActivationBlob blob(byte[] key, byte[] uri) throws IdentityException {
        return ActivationBlob.build(TpmPublic.parse(TestKeys.ek(EK)), TpmPublic.parse(TestKeys.srk(SRK)), key, uri,
                new SecureRandom());
    }

    @Test
    void partsHaveTheSizesOfDpsSection32() throws Exception {
        ActivationBlob b = blob(new byte[32], "hub.example".getBytes(StandardCharsets.US_ASCII));

        assertThat(b.credentialBlob()).hasSize(2 + 32 + 18);
        assertThat(b.credentialIntegrityHmac()).hasSize(32);
        assertThat(b.credentialEncIdentity()).hasSize(18);
        assertThat(b.secret()).hasSize(256);
        assertThat(b.encryptedSeed()).hasSize(256);
        // BE16(32) || outerHMAC || AES(innerIntegrity(34) || BE16(len) || sensitive(2+2+34+34))
        assertThat(b.idKeyDuplicate()).hasSize(2 + 32 + 34 + 2 + 72);
        assertThat(b.encUriData()).hasSize("hub.example".length());
    }

    @Test
    void idKeyPublicIsAKeyedHashHmacSha256KeyImportCanAccept() throws Exception {
        byte[] pub = blob(new byte[32], new byte[0]).idKeyPublic();
        TpmReader r = new TpmReader("TPMT_PUBLIC", pub);

        assertThat(r.u16("type")).isEqualTo(TpmAlg.KEYEDHASH);
        assertThat(r.u16("nameAlg")).isEqualTo(TpmAlg.SHA256);
        long attributes = r.u32("attributes");
        assertThat(attributes & TpmPublic.SIGN).isNotZero();
        assertThat(attributes & (TpmPublic.FIXED_TPM | TpmPublic.FIXED_PARENT)).isZero();
        assertThat(r.sized("authPolicy")).isEmpty();
        assertThat(r.u16("scheme")).isEqualTo(TpmAlg.HMAC);
        assertThat(r.u16("hashAlg")).isEqualTo(TpmAlg.SHA256);
        assertThat(r.sized("unique")).hasSize(32);
        r.end();
    }

    @Test
    void marshalledBlobParsesBackToTheSameParts() throws Exception {
        ActivationBlob b = blob(new byte[]{1, 2, 3}, "x".getBytes(StandardCharsets.US_ASCII));
        byte[] bytes = b.toBytes();

        ActivationBlob parsed = ActivationBlob.parse(bytes);

        assertThat(parsed).isEqualTo(b);
        assertThat(parsed.toBytes()).isEqualTo(bytes);
        assertThat(bytes).hasSize(6 * 2 + b.credentialBlob().length + 256 + b.idKeyDuplicate().length + 256
                + b.idKeyPublic().length + 1);
    }

    @Test
    void emptyUriDataIsMarshalledAsAZeroSize() throws Exception {
        byte[] bytes = blob(new byte[32], new byte[0]).toBytes();
        assertThat(Arrays.copyOfRange(bytes, bytes.length - 2, bytes.length)).containsExactly(0, 0);
    }

    @Test
    void theCredentialSeedIsOaepToTheEkWithTheIdentityLabelAndTheDuplicationSeedToTheSrkWithDuplicate()
            throws Exception {
        ActivationBlob b = blob(new byte[32], new byte[0]);

        assertThat(oaepDecrypt(EK, "IDENTITY\0", b.secret())).hasSize(32);
        assertThat(oaepDecrypt(SRK, "DUPLICATE\0", b.encryptedSeed())).hasSize(32);
        assertThatThrownBy(() -> oaepDecrypt(EK, "DUPLICATE\0", b.secret()))
                .isInstanceOf(java.security.GeneralSecurityException.class);
    }

    @Test
    void eachBuildUsesFreshRandomness() throws Exception {
        assertThat(blob(new byte[32], new byte[0]).toBytes()).isNotEqualTo(blob(new byte[32], new byte[0]).toBytes());
    }

    @Test
    void parseNamesTheOffsetOfATruncatedPart() throws Exception {
        byte[] bytes = blob(new byte[32], new byte[0]).toBytes();
        byte[] cut = Arrays.copyOf(bytes, 60);

        assertThatThrownBy(() -> ActivationBlob.parse(cut)).isInstanceOf(IdentityException.class)
                .hasMessageContaining("secret").hasMessageContaining("offset 54");
    }

    @Test
    void parseRejectsTrailingBytes() throws Exception {
        byte[] bytes = blob(new byte[32], new byte[0]).toBytes();
        assertThatThrownBy(() -> ActivationBlob.parse(Arrays.copyOf(bytes, bytes.length + 1)))
                .isInstanceOf(IdentityException.class).hasMessageContaining("unexpected bytes");
    }

    @Test
    void refusesKeysThatCannotBeAStorageParentAndEmptyOrOversizedHmacKeys() throws Exception {
        TpmPublic ek = TpmPublic.parse(TestKeys.ek(EK));
        TpmPublic signing = TpmPublic.parse(TestKeys.tpm2b((java.security.interfaces.RSAPublicKey) SRK.getPublic(),
                TpmPublic.SIGN | TpmPublic.USER_WITH_AUTH, new byte[0]));
        SecureRandom r = new SecureRandom();

        assertThatThrownBy(() -> ActivationBlob.build(ek, signing, new byte[32], r))
                .isInstanceOf(IdentityException.class).hasMessageContaining("SRK");
        assertThatThrownBy(() -> ActivationBlob.build(ek, ek, new byte[0], r))
                .isInstanceOf(IdentityException.class).hasMessageContaining("0 bytes");
        assertThatThrownBy(() -> ActivationBlob.build(ek, ek, new byte[129], r))
                .isInstanceOf(IdentityException.class).hasMessageContaining("129 bytes");
    }

    @Test
    void changingAnAccessorsBytesDoesNotChangeTheBlob() throws Exception {
        ActivationBlob b = blob(new byte[32], new byte[0]);
        byte[] before = b.toBytes();

        b.secret()[0] ^= 1;
        b.idKeyDuplicate()[0] ^= 1;

        assertThat(b.toBytes()).isEqualTo(before);
    }

    @Test
    void toStringShowsSizesOnly() throws Exception {
        assertThat(blob(new byte[32], new byte[0]).toString()).startsWith("ActivationBlob[credential 52 B");
    }

    private static byte[] oaepDecrypt(KeyPair pair, String label, byte[] data) throws Exception {
        Cipher c = Cipher.getInstance("RSA/ECB/OAEPPadding");
        c.init(Cipher.DECRYPT_MODE, pair.getPrivate(), new OAEPParameterSpec("SHA-256", "MGF1",
                MGF1ParameterSpec.SHA256, new PSource.PSpecified(label.getBytes(StandardCharsets.US_ASCII))));
        return c.doFinal(data);
    }
}
