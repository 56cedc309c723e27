package dev.firstboot.device.hsm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.device.boot.DeviceAuth;
import dev.firstboot.device.net.DeviceTls;
import dev.firstboot.device.net.DpsHttpsClient;
import dev.firstboot.identity.tpm.SasTokens;

import javax.net.ssl.SSLContext;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A device whose identity lives in the vendor's adapter, authenticating as the C SDK does with it: X.509 with the
 * adapter's PEM certificate and key; TPM with its EK and SRK, activating DPS's blobs and signing every SAS in the
 * adapter; symmetric key with the adapter's key, the SAS computed by the SDK side (hsm-adapter.md §3.4).
 */
final class AdapterAuth implements DeviceAuth {
    static final Duration SAS_LIFETIME = Duration.ofSeconds(2400);
    static final String KEY_NAME = "registration";

    private final HsmAdapter adapter;
    private final AdapterIdentity identity;
    /** The handle a TPM boot keeps: activation state lives in it. */
    private final HsmAdapter.Handle handle;
    private final Clock clock;
    private boolean activated;

    AdapterAuth(HsmAdapter adapter, AdapterIdentity identity, HsmAdapter.Handle handle, Clock clock) {
        this.adapter = adapter;
        this.identity = identity;
        this.handle = handle;
        this.clock = clock;
    }

    @Override
    public String registrationId() {
        return identity.registrationId();
    }

    @Override
    public SSLContext tls(X509Certificate trustAnchor) throws AuthException {
        if (identity instanceof AdapterIdentity.X509 x) {
            try {
                return DeviceTls.clientContext(x.key(), x.chain(), trustAnchor);
            } catch (IllegalStateException e) {
                throw new AuthException("TLS cannot use the adapter's certificate and key: " + e.getMessage());
            }
        }
        return DeviceAuth.serverAuthenticatedTls(trustAnchor);
    }

    @Override
    public Optional<ObjectNode> tpmKeys() {
        if (identity instanceof AdapterIdentity.Tpm t) {
            return Optional.of(DpsHttpsClient.tpmKeys(t.endorsementKey(), t.storageRootKey()));
        }
        return Optional.empty();
    }

    @Override
    public boolean answersChallenges() {
        return identity instanceof AdapterIdentity.Tpm;
    }

    @Override
    public void answerChallenge(byte[] authenticationKey) throws AuthException {
        activated = false;
        activate(authenticationKey, "DPS's challenge");
        activated = true;
    }

    @Override
    public void assigned(Optional<byte[]> authenticationKey) throws AuthException {
        if (!(identity instanceof AdapterIdentity.Tpm)) {
            return;
        }
        if (authenticationKey.isEmpty()) {
            throw new AuthException("DPS assigned the device without registrationState.tpm.authenticationKey");
        }
        activate(authenticationKey.get(), "the hub key DPS sent with the assignment");
    }

    private void activate(byte[] blob, String what) throws AuthException {
        try {
            int rc = adapter.activate(handle, blob, blob.length);
            if (rc != 0) {
                throw new AuthException("hsm_client_activate_identity_key returned " + rc + " for " + what);
            }
        } catch (AdapterFailure e) {
            throw new AuthException(e.getMessage());
        }
    }

    @Override
    public Optional<String> dpsAuthorization(String idScope) throws AuthException {
        if (identity instanceof AdapterIdentity.Tpm && !activated) {
            return Optional.empty();
        }
        if (identity instanceof AdapterIdentity.X509) {
            return Optional.empty();
        }
        return Optional.of(sign(idScope + "/registrations/" + identity.registrationId(), Optional.of(KEY_NAME)));
    }

    @Override
    public Optional<String> hubPassword(String hubHost, String deviceId) throws AuthException {
        if (identity instanceof AdapterIdentity.X509) {
            return Optional.empty();
        }
        return Optional.of(sign(hubHost + "/devices/" + deviceId, Optional.empty()));
    }

    private String sign(String scope, Optional<String> keyName) throws AuthException {
        Instant expiry = Instant.now(clock).plus(SAS_LIFETIME);
        if (identity instanceof AdapterIdentity.SymmetricKey s) {
            return SasTokens.build(scope, SasTokens.ScopeEncoding.ENCODED, s.key(), expiry, keyName);
        }
        String sr = SasTokens.resource(scope, SasTokens.ScopeEncoding.ENCODED);
        byte[] payload = SasTokens.stringToSign(sr, expiry);
        try {
            HsmAdapter.Output out = adapter.sign(handle, payload, payload.length, false, false);
            if (out.returned() != 0 || out.data().isEmpty()) {
                throw new AuthException("hsm_client_sign_with_identity returned " + out.returned()
                        + (out.data().isEmpty() ? " and no signature" : ""));
            }
            return SasTokens.format(sr, out.data().get(), expiry, keyName);
        } catch (AdapterFailure e) {
            throw new AuthException(e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "AdapterAuth[" + identity.registrationId() + "]";
    }
}
