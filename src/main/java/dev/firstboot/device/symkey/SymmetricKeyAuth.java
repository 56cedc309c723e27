package dev.firstboot.device.symkey;

import dev.firstboot.device.boot.DeviceAuth;
import dev.firstboot.identity.tpm.SasTokens;

import javax.net.ssl.SSLContext;
import java.security.cert.X509Certificate;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

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
    private final Consumer<String> dpsSignatures;

    /**
     * @param key           the key the device signs with: its own, or the one it derived from its group's key
     * @param dpsSignatures is told the signature (base64) of each DPS SAS as it is signed: a device that logs it
     */
    SymmetricKeyAuth(String registrationId, byte[] key, Clock clock, boolean hubSasWithKeyName,
                     Consumer<String> dpsSignatures) {
        this.registrationId = registrationId;
        this.key = key.clone();
        this.clock = clock;
        this.hubSasWithKeyName = hubSasWithKeyName;
        this.dpsSignatures = dpsSignatures;
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
        String token = sign(idScope + "/registrations/" + registrationId, Optional.of(KEY_NAME));
        dpsSignatures.accept(URLDecoder.decode(token.replaceFirst(".*&sig=([^&]*).*", "$1"), StandardCharsets.UTF_8));
        return Optional.of(token);
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
