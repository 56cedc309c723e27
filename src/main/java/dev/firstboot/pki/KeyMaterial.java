package dev.firstboot.pki;

import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
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

    /** The chain as PEM, leaf first, each block wrapped at 64 characters. */
    public String chainPem() {
        return pem(chain);
    }

    /** Certificates as PEM, in the order given, each block wrapped at 64 characters. */
    public static String pem(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate c : certificates) {
            try {
                out.append(pem("CERTIFICATE", c.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("a certificate of the chain cannot be encoded: " + e.getMessage(), e);
            }
        }
        return out.toString();
    }

    /** The private key as PKCS#8 PEM ({@code PRIVATE KEY}). A secret: write it only to a 0600 file. */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", key.getEncoded());
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + leaf().getSubjectX500Principal().getName() + ", chain of " + chain.size() + "]";
    }
}
