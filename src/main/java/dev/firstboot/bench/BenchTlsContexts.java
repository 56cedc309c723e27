package dev.firstboot.bench;

import dev.firstboot.pki.KeyMaterial;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * TLS client contexts for many devices, made cheaply: one trust manager for the CA shared by all, and per device a
 * tiny key manager that always offers that device's certificate. Each device gets its own {@link SSLContext}, so its
 * session cache is its own and no handshake is resumed from another device's session.
 */
final class BenchTlsContexts {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final TrustManager[] trust;

    BenchTlsContexts(X509Certificate ca) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            this.trust = tmf.getTrustManagers();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("could not make the bench trust store: " + e.getMessage(), e);
        }
    }

    SSLContext context(Optional<KeyMaterial> identity) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(identity.map(k -> new javax.net.ssl.KeyManager[]{new OneKey(k)}).orElse(null), trust, RANDOM);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not make a bench device TLS context: " + e.getMessage(), e);
        }
    }

    /** Offers one certificate and key for any request; never shows the key. */
    private static final class OneKey extends X509ExtendedKeyManager {
        private static final String ALIAS = "device";
        private final KeyMaterial key;

        OneKey(KeyMaterial key) {
            this.key = key;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[]{ALIAS};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return key.chain().toArray(X509Certificate[]::new);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return key.key();
        }

        @Override
        public String toString() {
            return "OneKey[" + key + "]";
        }
    }
}
