package dev.firstboot.device.symkey;

import dev.firstboot.device.boot.DeviceAuth;
import dev.firstboot.identity.tpm.SasTokens;

import javax.net.ssl.SSLContext;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A symmetric-key device's side of DPS attestation as the C SDK does it: TLS without a client certificate, and a SAS
 * in {@code Authorization} on every DPS request ({@code skn=registration}, URL-encoded scope, 2400 s), then a SAS
 * signed with the same key as the hub password.
 */
final class SymmetricKeyAuth implements DeviceAuth {
    static final Duration SAS_LIFETIME = Duration.ofSeconds(2400);
    static final String KEY_NAME = "registration";

    private final String registrationId;
    private final byte[] key;
    private final Clock clock;
    private final boolean hubSasWithKeyName;

    /** @param key the key the device signs with: its own, or the one it derived from its group's key */
    SymmetricKeyAuth(String registrationId, byte[] key, Clock clock, boolean hubSasWithKeyName) {
        this.registrationId = registrationId;
        this.key = key.clone();
        this.clock = clock;
        this.hubSasWithKeyName = hubSasWithKeyName;
    }

    @Override
    public String registrationId() {
        return registrationId;
    }

    @Override
    public SSLContext tls(X509Certificate trustAnchor) throws AuthException {
        return DeviceAuth.serverAuthenticatedTls(trustAnchor);
    }

    @Override
    public Optional<String> dpsAuthorization(String idScope) {
        return Optional.of(sign(idScope + "/registrations/" + registrationId, Optional.of(KEY_NAME)));
    }

    @Override
    public Optional<String> hubPassword(String hubHost, String deviceId) {
        return Optional.of(sign(hubHost + "/devices/" + deviceId,
                hubSasWithKeyName ? Optional.of(KEY_NAME) : Optional.empty())); // DEFECT HOOK (HUB_SAS_WITH_KEY_NAME)
    }

    private String sign(String scope, Optional<String> keyName) {
        return SasTokens.build(scope, SasTokens.ScopeEncoding.ENCODED, key, Instant.now(clock).plus(SAS_LIFETIME),
                keyName);
    }

    @Override
    public String toString() {
        return "SymmetricKeyAuth[" + registrationId + ", key «masked»]";
    }
}
