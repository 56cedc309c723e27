package dev.firstboot.device.net;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
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

    /**
     * A defective device's context: as {@link #clientContext}, but a server certificate that failed only because its
     * validity period has ended is trusted anyway. Exists so a check that a device refuses it can be seen to fail.
     */
    public static SSLContext clientContextIgnoringExpiry(PrivateKey key, List<X509Certificate> chain,
                                                         X509Certificate trustAnchor) {
        try {
            char[] none = new char[0];
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(null, null);
            own.setKeyEntry("device", key, none, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(own, none);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", trustAnchor);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            X509ExtendedTrustManager strict = null;
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    strict = x;
                }
            }
            if (strict == null) {
                throw new IllegalStateException("the platform offers no X.509 trust manager");
            }
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), new TrustManager[]{new ExpiryBlind(strict)}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("could not make a TLS client context: " + e.getMessage(), e);
        }
    }

    /** Trusts what the strict manager trusts, and also what it refused only for an ended validity period. */
    private static final class ExpiryBlind extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager strict;

        ExpiryBlind(X509ExtendedTrustManager strict) {
            this.strict = strict;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                strict.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                rethrowUnlessExpired(e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                strict.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                rethrowUnlessExpired(e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                strict.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                rethrowUnlessExpired(e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            strict.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            strict.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            strict.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return strict.getAcceptedIssuers();
        }

        private static void rethrowUnlessExpired(CertificateException e) throws CertificateException {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CertificateExpiredException) {
                    return;
                }
                if (t instanceof CertPathValidatorException v
                        && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                    return;
                }
            }
            throw e;
        }
    }
}
