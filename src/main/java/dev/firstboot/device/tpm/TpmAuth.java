package dev.firstboot.device.tpm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.device.boot.DeviceAuth;
import dev.firstboot.device.net.DpsHttpsClient;
import dev.firstboot.identity.tpm.SasTokens;
import dev.firstboot.rig.DeviceException;

import javax.net.ssl.SSLContext;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A TPM device's side of DPS attestation as the C SDK does it: the register body carries the EK and SRK, DPS's 401
 * challenge is activated inside the TPM, and every SAS (to DPS, then to the hub) is signed by TPM2_HMAC with the
 * activated key. The SAS scope is URL-encoded and lives 2400 s, like the C SDK's.
 */
final class TpmAuth implements DeviceAuth {
    static final Duration SAS_LIFETIME = Duration.ofSeconds(2400);
    static final String KEY_NAME = "registration";

    private final TpmDevice tpm;
    private final String registrationId;
    private final Clock clock;
    private final AuthFaults faults;
    private boolean activated;

    /**
     * What this device does wrong, if anything (defect switches and per-scenario faults of the simulator).
     *
     * @param wrongDpsKey signs its DPS SAS with a key of its own instead of the activated one
     * @param wrongHubKey signs its hub SAS with a key of its own
     * @param skipHubKey  ignores the hub key that comes with the assignment
     */
    record AuthFaults(boolean wrongDpsKey, boolean wrongHubKey, boolean skipHubKey) {
        static final AuthFaults NONE = new AuthFaults(false, false, false);
    }

    TpmAuth(TpmDevice tpm, String registrationId, Clock clock, AuthFaults faults) {
        this.tpm = tpm;
        this.registrationId = registrationId;
        this.clock = clock;
        this.faults = faults;
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
    public Optional<ObjectNode> tpmKeys() throws AuthException {
        try {
            return Optional.of(DpsHttpsClient.tpmKeys(tpm.endorsementKey(), tpm.storageRootKey()));
        } catch (DeviceException e) {
            throw new AuthException("cannot read the TPM's keys: " + e.getMessage());
        }
    }

    @Override
    public boolean answersChallenges() {
        return true;
    }

    @Override
    public void answerChallenge(byte[] authenticationKey) throws AuthException {
        activated = false;
        activate(authenticationKey, "DPS's challenge");
        activated = true;
    }

    @Override
    public Optional<String> dpsAuthorization(String idScope) throws AuthException {
        if (!activated) {
            return Optional.empty();
        }
        return Optional.of(sign(idScope + "/registrations/" + registrationId, Optional.of(KEY_NAME),
                faults.wrongDpsKey()));
    }

    @Override
    public void assigned(Optional<byte[]> authenticationKey) throws AuthException {
        if (authenticationKey.isEmpty()) {
            throw new AuthException("DPS assigned the device without registrationState.tpm.authenticationKey, so it has "
                    + "no key for the hub");
        }
        if (!faults.skipHubKey()) { // DEFECT HOOK (NO_HUB_KEY_ACTIVATION)
            activate(authenticationKey.get(), "the hub key DPS sent with the assignment");
        }
    }

    @Override
    public Optional<String> hubPassword(String hubHost, String deviceId) throws AuthException {
        return Optional.of(sign(hubHost + "/devices/" + deviceId, Optional.empty(), faults.wrongHubKey()));
    }

    private void activate(byte[] blob, String what) throws AuthException {
        try {
            tpm.activate(blob);
        } catch (DeviceException e) {
            throw new AuthException("TPM activation of " + what + " failed: " + e.getMessage());
        }
    }

    private String sign(String scope, Optional<String> keyName, boolean withWrongKey) throws AuthException {
        String sr = SasTokens.resource(scope, SasTokens.ScopeEncoding.ENCODED);
        Instant expiry = Instant.now(clock).plus(SAS_LIFETIME);
        if (withWrongKey) {
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return SasTokens.build(scope, SasTokens.ScopeEncoding.ENCODED, key, expiry, keyName);
        }
        try {
            return SasTokens.format(sr, tpm.hmac(SasTokens.stringToSign(sr, expiry)), expiry, keyName);
        } catch (DeviceException e) {
            throw new AuthException("the TPM could not sign the SAS: " + e.getMessage());
        }
    }
}
