package dev.firstboot.device.net;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The TLS a device brings: its own certificate chain and key for client authentication, and the one CA it trusts.
 * Server names are always verified; a device that skipped that would pass against an impostor service.
 */
public final class DeviceTls {
    private static final char[] IN_MEMORY = "in-memory".toCharArray();

    private DeviceTls() {
    }

    /** A client context presenting {@code chain} (leaf first) and trusting only {@code trustAnchor}. */
    public static SSLContext clientContext(PrivateKey key, List<X509Certificate> chain, X509Certificate trustAnchor)
            throws GeneralSecurityException {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("device", key, IN_MEMORY, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, IN_MEMORY);

            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("service-ca", trustAnchor);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);

            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return context;
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot hold the device key in memory: " + e.getMessage(), e);
        }
    }
}
