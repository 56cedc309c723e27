package dev.firstboot.device.hsm;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
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
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new AdapterCheckException("hsm_client_get_key returned " + (o == null ? "no PEM object"
                    : "a PEM " + o.getClass().getSimpleName()) + "; expected an unencrypted 'PRIVATE KEY' (PKCS#8) or "
                    + "'EC PRIVATE KEY' (SEC1) PEM block");
        } catch (IOException e) {
            throw new AdapterCheckException("hsm_client_get_key returned a key that does not parse as PEM: "
                    + e.getClass().getSimpleName());
        }
    }
}
