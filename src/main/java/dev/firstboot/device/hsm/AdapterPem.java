package dev.firstboot.device.hsm;

import dev.firstboot.pki.PrivateKeyPem;


import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Reads the PEM an X.509 adapter returns, as the SDK passes it to TLS: a certificate chain and a private key. */
final class AdapterPem {
    private AdapterPem() {
    }

    /** The certificates in {@code pem}, in order; fails with what was wrong, never with the content. */
    static List<X509Certificate> certificates(String pem) throws AdapterCheckException {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new AdapterCheckException("hsm_client_get_cert returned " + pem.length() + " characters with no "
                    + "'-----BEGIN CERTIFICATE-----' line; it must return the certificate as PEM, leaf first");
        }
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new AdapterCheckException("hsm_client_get_cert returned PEM with no certificate in it");
            }
            return out;
        } catch (CertificateException e) {
            throw new AdapterCheckException("hsm_client_get_cert returned PEM that does not parse as X.509: "
                    + e.getMessage());
        }
    }

    /** The private key in {@code pem}: PKCS#8 {@code PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY} or {@code RSA PRIVATE KEY}. */
    static PrivateKey privateKey(String pem) throws AdapterCheckException {
        try {
            return PrivateKeyPem.parse(pem);
        } catch (PrivateKeyPem.InvalidPem e) {
            throw new AdapterCheckException("hsm_client_get_key returned a key that " + e.getMessage());
        }
    }
}
