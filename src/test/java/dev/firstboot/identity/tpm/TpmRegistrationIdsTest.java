package dev.firstboot.identity.tpm;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class TpmRegistrationIdsTest {
    @Test
    void base32MatchesTheRfc4648VectorsInLowercaseWithoutPadding() {
        // RFC 4648 §10
        String[][] vectors = {{"", ""}, {"f", "my"}, {"fo", "mzxq"}, {"foo", "mzxw6"}, {"foob", "mzxw6yq"},
                {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}};
        for (String[] v : vectors) {
            assertThat(TpmRegistrationIds.base32(v[0].getBytes(StandardCharsets.US_ASCII))).as(v[0]).isEqualTo(v[1]);
        }
    }

    @Test
    void idIsBase32OfSha256OverTheEkIncludingItsSizePrefix() throws Exception {
        byte[] ek = TestKeys.ek(TestKeys.rsa());
        String withPrefix = TpmRegistrationIds.base32(MessageDigest.getInstance("SHA-256").digest(ek));
        String withoutPrefix = TpmRegistrationIds.base32(MessageDigest.getInstance("SHA-256")
                .digest(Arrays.copyOfRange(ek, 2, ek.length)));

        String id = TpmRegistrationIds.fromEndorsementKey(ek);

        assertThat(id).isEqualTo(withPrefix).isNotEqualTo(withoutPrefix).hasSize(52).matches("[a-z2-7]{52}");
    }

    @Test
    void knownAnswerForSha256OfAbc() {
        // SHA-256("abc") = ba7816bf...f20015ad (FIPS 180-2); its base32 per RFC 4648, lowercased
        assertThat(TpmRegistrationIds.fromEndorsementKey("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("xj4bnp4pahh6uqkbidpf3lrceoyagyndsylxvhfucd7wd4qacwwq");
    }
}
