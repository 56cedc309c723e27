package dev.firstboot.identity.tpm;

import dev.firstboot.identity.IdentityException;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TpmPublicTest {
    private static final KeyPair PAIR = TestKeys.rsa();

    @Test
    void readsEveryFieldOfTheStandardEkTemplate() throws Exception {
        TpmPublic ek = TpmPublic.parse(TestKeys.ek(PAIR));

        assertThat(ek.type()).isEqualTo(TpmAlg.RSA);
        assertThat(ek.nameAlg()).isEqualTo(TpmAlg.SHA256);
        assertThat(ek.attributes()).isEqualTo(0x000300b2L);
        assertThat(ek.authPolicy()).isEqualTo(TestKeys.EK_POLICY);
        assertThat(ek.symmetric()).isEqualTo(new TpmPublic.SymmetricDef(TpmAlg.AES, 128, TpmAlg.CFB));
        assertThat(ek.scheme()).isEqualTo(TpmAlg.NULL);
        assertThat(ek.keyBits()).isEqualTo(2048);
        assertThat(ek.exponent()).isZero();
        assertThat(ek.rsaPublicKey()).isEqualTo(PAIR.getPublic());
        assertThat(ek.tpm2bPublic()).isEqualTo(TestKeys.ek(PAIR));
    }

    @Test
    void nameIsSha256AlgIdFollowedByTheDigestOfTpmtPublicWithoutTheSizePrefix() throws Exception {
        byte[] tpm2b = TestKeys.srk(PAIR);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOfRange(tpm2b, 2, tpm2b.length));

        byte[] name = TpmPublic.parse(tpm2b).name();

        assertThat(Arrays.copyOfRange(name, 0, 2)).containsExactly(0x00, 0x0b);
        assertThat(Arrays.copyOfRange(name, 2, 34)).isEqualTo(digest);
    }

    @Test
    void rejectsASizePrefixThatDisagreesWithTheLength() {
        byte[] tpm2b = TestKeys.ek(PAIR);
        tpm2b[1]++;
        assertThatThrownBy(() -> TpmPublic.parse(tpm2b)).isInstanceOf(IdentityException.class)
                .hasMessageContaining("size prefix at offset 0");
    }

    @Test
    void rejectsTpmtPublicWithoutItsSizePrefix() {
        byte[] tpm2b = TestKeys.ek(PAIR);
        assertThatThrownBy(() -> TpmPublic.parse(Arrays.copyOfRange(tpm2b, 2, tpm2b.length)))
                .isInstanceOf(IdentityException.class).hasMessageContaining("size prefix");
    }

    @Test
    void rejectsTruncatedInputNamingTheOffset() {
        byte[] cut = new TpmWriter().sized(Arrays.copyOfRange(TestKeys.ek(PAIR), 2, 60)).bytes();
        assertThatThrownBy(() -> TpmPublic.parse(cut)).isInstanceOf(IdentityException.class)
                .hasMessageContaining("offset");
    }

    @Test
    void rejectsANonRsaKeyNamingTheTypeOffset() {
        byte[] tpm2b = TestKeys.ek(PAIR);
        tpm2b[3] = 0x23; // TPM_ALG_ECC
        assertThatThrownBy(() -> TpmPublic.parse(tpm2b)).isInstanceOf(IdentityException.class)
                .hasMessageContaining("0x0023").hasMessageContaining("offset 2");
    }

    @Test
    void rejectsTrailingBytesInsideTheDeclaredSize() {
        byte[] tpmt = Arrays.copyOfRange(TestKeys.ek(PAIR), 2, TestKeys.ek(PAIR).length);
        byte[] longer = TpmWriter.sizedOf(Arrays.copyOf(tpmt, tpmt.length + 1));
        assertThatThrownBy(() -> TpmPublic.parse(longer)).isInstanceOf(IdentityException.class)
                .hasMessageContaining("unexpected bytes");
    }

    @Test
    void readsAKeyWithAnExplicitExponent() throws Exception {
        byte[] tpm2b = TestKeys.tpm2b((RSAPublicKey) PAIR.getPublic(), TestKeys.SRK_ATTRIBUTES, new byte[0]);
        tpm2b[2 + 2 + 2 + 4 + 2 + 6 + 2 + 2 + 3] = 3; // exponent 0 -> 3
        assertThat(TpmPublic.parse(tpm2b).exponent()).isEqualTo(3);
    }
}
