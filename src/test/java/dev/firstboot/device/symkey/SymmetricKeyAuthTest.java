package dev.firstboot.device.symkey;

import dev.firstboot.identity.tpm.SasTokens;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The SAS tokens a symmetric-key device signs, as the C SDK writes them (dps.md §1.7, §5.1). */
class SymmetricKeyAuthTest {
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final byte[] KEY = new byte[32];

    private final SymmetricKeyAuth auth = new SymmetricKeyAuth("unit-7", KEY, Clock.fixed(NOW, ZoneOffset.UTC),
            false, signature -> { });

    @Test
    void theDpsSasHasAnEncodedScopeKeyNameRegistrationAndLives2400Seconds() {
        String token = auth.dpsAuthorization("0ne00FB0001").orElseThrow();
        assertThat(token).startsWith("SharedAccessSignature sr=0ne00FB0001%2Fregistrations%2Funit-7&sig=")
                .endsWith("&se=" + NOW.plusSeconds(2400).getEpochSecond() + "&skn=registration");
        assertThat(SasTokens.verify(token, "0ne00FB0001/registrations/unit-7", KEY, Set.of("registration"), NOW))
                .isInstanceOf(SasTokens.Accepted.class);
    }

    @Test
    void theHubSasIsSignedWithTheSameKeyAndHasNoKeyName() {
        String token = auth.hubPassword("hub-a.localhost", "unit-7").orElseThrow();
        assertThat(token).doesNotContain("skn");
        assertThat(SasTokens.verify(token, "hub-a.localhost/devices/unit-7", KEY, Set.of(""), NOW))
                .isInstanceOf(SasTokens.Accepted.class);
    }

    @Test
    void itsDescriptionHidesTheKey() {
        assertThat(auth.toString()).contains("«masked»").contains("unit-7");
    }
}
