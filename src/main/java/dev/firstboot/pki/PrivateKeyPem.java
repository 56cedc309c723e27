package dev.firstboot.pki;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;

/**
 * Reads an unencrypted private key from PEM ({@code PRIVATE KEY}, {@code EC PRIVATE KEY} or {@code RSA PRIVATE KEY})
 * and checks it against a public key. Messages say what was wrong, never what the PEM holds.
 */
public final class PrivateKeyPem {
    private PrivateKeyPem() {
    }

    /** The key in {@code pem}. */
    public static PrivateKey parse(String pem) throws InvalidPem {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new InvalidPem("holds " + (o == null ? "no PEM object" : "a PEM " + o.getClass().getSimpleName())
                    + "; expected an unencrypted 'PRIVATE KEY' (PKCS#8), 'EC PRIVATE KEY' (SEC1) or 'RSA PRIVATE"
                    + " KEY' PEM block");
        } catch (IOException e) {
            throw new InvalidPem("does not parse as PEM (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** True when {@code key} signs what {@code publicKey} verifies: the two halves of one key pair. */
    public static boolean pairs(PrivateKey key, PublicKey publicKey) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** A PEM that holds no private key this reads; the message completes "the key …". */
    public static final class InvalidPem extends Exception {
        public InvalidPem(String message) {
            super(message);
        }
    }
}
