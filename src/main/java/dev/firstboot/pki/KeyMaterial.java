package dev.firstboot.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key and its certificate chain, leaf first. Kept in memory only; {@link #toString()} never shows the key.
 *
 * @param key   the leaf's private key
 * @param chain the leaf, then any issuers up to (and including) the CA
 */
public record KeyMaterial(PrivateKey key, List<X509Certificate> chain) {
    public KeyMaterial {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a key needs at least its own certificate");
        }
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + leaf().getSubjectX500Principal().getName() + ", chain of " + chain.size() + "]";
    }
}
