package dev.firstboot.device.net;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;

import javax.net.ssl.SSLContext;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * The TLS a device brings: its own certificate chain and key for client authentication, and the one CA it trusts.
 * Server names are always verified by the clients that use it; a device that skipped that would pass against an
 * impostor service.
 */
public final class DeviceTls {
    private DeviceTls() {
    }

    /**
     * A client context presenting {@code chain} (leaf first) and trusting only {@code trustAnchor}.
     *
     * @throws IllegalStateException when the key or chain cannot be loaded
     */
    public static SSLContext clientContext(PrivateKey key, List<X509Certificate> chain, X509Certificate trustAnchor) {
        return TestPki.clientContextTrusting(trustAnchor, Optional.of(new KeyMaterial(key, chain)));
    }
}
