package dev.firstboot.identity.tpm;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;

class SasTokensTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String SCOPE = "0ne00000001/registrations/device-1";
    private static final Instant EXPIRY = Instant.ofEpochSecond(1_900_000_000L);
    private static final Instant BEFORE = EXPIRY.minusSeconds(60);
    private static final Set<String> NAMES = Set.of("", "registration");

    @Test
    void encodedTokenHasTheCFieldOrderAndSignsTheEncodedScope() throws Exception {
        String token = SasTokens.build(SCOPE, SasTokens.ScopeEncoding.ENCODED, KEY, EXPIRY, Optional.of("registration"));

        String sr = "0ne00000001%2Fregistrations%2Fdevice-1";
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        String sig = Base64.getEncoder().encodeToString(mac.doFinal((sr + "\n1900000000").getBytes(StandardCharsets.UTF_8)));
        assertThat(token).isEqualTo("SharedAccessSignature sr=" + sr + "&sig="
                + java.net.URLEncoder.encode(sig, StandardCharsets.UTF_8) + "&se=1900000000&skn=registration");
    }

    @Test
    void acceptsEncodedAndRawScopes() {
        for (SasTokens.ScopeEncoding enc : SasTokens.ScopeEncoding.values()) {
            String token = SasTokens.build(SCOPE, enc, KEY, EXPIRY, Optional.of("registration"));
            assertThat(SasTokens.verify(token, SCOPE, KEY, NAMES, BEFORE)).as(enc.name())
                    .isEqualTo(new SasTokens.Accepted(SCOPE, EXPIRY, Optional.of("registration")));
        }
    }

    @Test
    void comparesTheScopeCaseInsensitively() {
        String token = SasTokens.build(SCOPE.toUpperCase(), SasTokens.ScopeEncoding.ENCODED, KEY, EXPIRY,
                Optional.empty());
        assertThat(SasTokens.verify(token, SCOPE, KEY, NAMES, BEFORE)).isInstanceOf(SasTokens.Accepted.class);
    }

    @Test
    void acceptsAnEmptyOrAbsentSknWhenTheEmptyNameIsAccepted() {
        String empty = SasTokens.build(SCOPE, SasTokens.ScopeEncoding.RAW, KEY, EXPIRY, Optional.of(""));
        String absent = SasTokens.build(SCOPE, SasTokens.ScopeEncoding.RAW, KEY, EXPIRY, Optional.empty());

        assertThat(SasTokens.verify(empty, SCOPE, KEY, NAMES, BEFORE)).isInstanceOf(SasTokens.Accepted.class);
        assertThat(SasTokens.verify(absent, SCOPE, KEY, NAMES, BEFORE)).isInstanceOf(SasTokens.Accepted.class);
        assertThat(SasTokens.verify(absent, SCOPE, KEY, Set.of("registration"), BEFORE))
                .isInstanceOf(SasTokens.Rejected.class);
    }

    @Test
    void rejectsAnUnknownKeyName() {
        String token = SasTokens.build(SCOPE, SasTokens.ScopeEncoding.ENCODED, KEY, EXPIRY, Optional.of("owner"));
        assertThat(rejection(SasTokens.verify(token, SCOPE, KEY, NAMES, BEFORE))).contains("skn \"owner\"");
    }

    @Test
    void rejectsAnExpiredTokenAtAndAfterItsExpiry() {
        String token = SasTokens.build(SCOPE, SasTokens.ScopeEncoding.ENCODED, KEY, EXPIRY, Optional.empty());
        assertThat(rejection(SasTokens.verify(token, SCOPE, KEY, NAMES, EXPIRY))).contains("expired");
        assertThat(rejection(SasTokens.verify(token, SCOPE, KEY, NAMES, EXPIRY.plusSeconds(1)))).contains("expired");
    }

    @Test
    void rejectsAnotherKeyAnotherScopeAndATamperedExpiryWithoutRevealingTheSignature() {
        String token = SasTokens.build(SCOPE, SasTokens.ScopeEncoding.ENCODED, KEY, EXPIRY, Optional.empty());
        String sig = token.replaceAll(".*&sig=([^&]*)&.*", "$1");
        byte[] otherKey = "another key of 32 bytes.........".getBytes(StandardCharsets.US_ASCII);

        String wrongKey = rejection(SasTokens.verify(token, SCOPE, otherKey, NAMES, BEFORE));
        String wrongScope = rejection(SasTokens.verify(token, "0ne00000001/registrations/device-2", KEY, NAMES, BEFORE));
        String later = rejection(SasTokens.verify(token.replace("se=1900000000", "se=1900000001"), SCOPE, KEY, NAMES,
                BEFORE));

        assertThat(wrongKey).contains("sig does not match").doesNotContain(sig)
                .doesNotContain(new String(KEY, StandardCharsets.US_ASCII));
        assertThat(wrongScope).contains("device-2").contains("device-1");
        assertThat(later).contains("sig does not match");
    }

    @Test
    void rejectsMalformedTokens() {
        assertThat(rejection(SasTokens.verify("Bearer x", SCOPE, KEY, NAMES, BEFORE))).contains("SharedAccessSignature");
        assertThat(rejection(SasTokens.verify("SharedAccessSignature sr=a&se=1", SCOPE, KEY, NAMES, BEFORE)))
                .contains("lacks the field sig");
        assertThat(rejection(SasTokens.verify("SharedAccessSignature sr=" + SCOPE + "&sig=a&se=soon", SCOPE, KEY,
                NAMES, BEFORE))).contains("se is not a number");
    }

    @Test
    void aSignatureFromElsewhereFormatsIntoTheSameToken() {
        String sr = SasTokens.resource(SCOPE, SasTokens.ScopeEncoding.ENCODED);
        byte[] signature = Kdfa.hmacSha256(KEY, SasTokens.stringToSign(sr, EXPIRY));

        assertThat(SasTokens.format(sr, signature, EXPIRY, Optional.of("registration")))
                .isEqualTo(SasTokens.build(SCOPE, SasTokens.ScopeEncoding.ENCODED, KEY, EXPIRY,
                        Optional.of("registration")));
    }

    private static String rejection(SasTokens.Verdict verdict) {
        assertThat(verdict).isInstanceOf(SasTokens.Rejected.class);
        return ((SasTokens.Rejected) verdict).reason();
    }
}
