package dev.firstboot.device.boot;

import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * How a device proves who it is, to DPS and then to its hub: by its TLS client certificate (X.509, DICE) or by SAS
 * tokens signed with a key (TPM: the key its TPM activated from DPS's challenge). {@link FirstBoot} runs the same
 * provisioning sequence for each and asks this at each point where they differ.
 */
public interface DeviceAuth {
    String registrationId();

    /** TLS for DPS and the hub, trusting {@code trustAnchor}; with a client certificate for X.509 devices. */
    SSLContext tls(X509Certificate trustAnchor) throws AuthException;

    /** As {@link #tls}, but trusting server certificates whose validity has ended: a defect, for simulators only. */
    default SSLContext tlsIgnoringExpiry(X509Certificate trustAnchor) throws AuthException {
        throw new AuthException("this device cannot be made to accept expired server certificates");
    }

    /** The {@code tpm} object of the register body ({@code endorsementKey}, {@code storageRootKey}), if any. */
    default Optional<ObjectNode> tpmKeys() throws AuthException {
        return Optional.empty();
    }

    /** Whether this device answers a 401 that carries an {@code authenticationKey} (TPM) rather than failing. */
    default boolean answersChallenges() {
        return false;
    }

    /** Activates the challenge's blob, so that later SAS tokens are signed with the key inside it. */
    default void answerChallenge(byte[] authenticationKey) throws AuthException {
        throw new AuthException("this device cannot answer a TPM challenge");
    }

    /** The {@code Authorization} header for a DPS request, once the device holds a key. */
    default Optional<String> dpsAuthorization(String idScope) throws AuthException {
        return Optional.empty();
    }

    /** DPS assigned the device; a TPM device activates the hub key that came with the assignment. */
    default void assigned(Optional<byte[]> authenticationKey) throws AuthException {
    }

    /** The MQTT password for the hub: a SAS for key-based devices, none for X.509. */
    default Optional<String> hubPassword(String hubHost, String deviceId) throws AuthException {
        return Optional.empty();
    }

    /**
     * TLS for devices that prove themselves with SAS tokens, not certificates: it only checks the server against
     * {@code trustAnchor}.
     */
    static SSLContext serverAuthenticatedTls(X509Certificate trustAnchor) throws AuthException {
        try {
            return dev.firstboot.pki.TestPki.clientContextTrusting(trustAnchor, Optional.empty());
        } catch (IllegalStateException e) {
            throw new AuthException("cannot set up TLS: " + e.getMessage());
        }
    }

    /** A step of authentication failed; the message says which and why, with no secret in it. */
    final class AuthException extends Exception {
        public AuthException(String message) {
            super(message);
        }
    }
}
