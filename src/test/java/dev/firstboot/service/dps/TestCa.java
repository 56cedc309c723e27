package dev.firstboot.service.dps;

import dev.firstboot.pki.KeyMaterial;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;

/** A CA for tests of X.509 groups: a root, intermediates under it, and device leaves, all EC P-256. */
public final class TestCa {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;
    private final List<X509Certificate> chainAbove;

    private TestCa(KeyPair keys, X509Certificate certificate, List<X509Certificate> chainAbove) {
        this.keys = keys;
        this.certificate = certificate;
        this.chainAbove = chainAbove;
    }

    public static TestCa root(String cn) {
        KeyPair k = keyPair();
        return new TestCa(k, issue(cn, k, cn, k, true, Duration.ofDays(2)), List.of());
    }

    public TestCa intermediate(String cn) {
        KeyPair k = keyPair();
        List<X509Certificate> above = new ArrayList<>();
        above.add(certificate);
        above.addAll(chainAbove);
        return new TestCa(k, issue(cn, k, subject(), keys, true, Duration.ofDays(2)), above);
    }

    /** A device key whose chain is the leaf, then this CA and the intermediates above it (never the root). */
    public KeyMaterial leaf(String cn) {
        return leaf(cn, Duration.ofDays(2));
    }

    public KeyMaterial leaf(String cn, Duration validity) {
        KeyPair k = keyPair();
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(issue(cn, k, subject(), keys, false, validity));
        if (!chainAbove.isEmpty()) {
            chain.add(certificate);
            chain.addAll(chainAbove.subList(0, chainAbove.size() - 1));
        }
        return new KeyMaterial(k.getPrivate(), chain);
    }

    /** The proof-of-possession certificate: CN = the verification code, signed by this CA. */
    public X509Certificate verification(String code) {
        return issue(code, keyPair(), subject(), keys, false, Duration.ofDays(1));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public byte[] der() {
        return der(certificate);
    }

    public String pem() {
        return pem(certificate);
    }

    private String subject() {
        return certificate.getSubjectX500Principal().getName();
    }

    public static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(X509Certificate c) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der(c))
                + "\n-----END CERTIFICATE-----\n";
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate issue(String cn, KeyPair subjectKeys, String issuer, KeyPair issuerKeys, boolean ca,
                                         Duration validity) {
        Instant now = Instant.now();
        Instant notBefore = validity.isNegative() ? now.minus(Duration.ofDays(3)) : now.minus(Duration.ofHours(1));
        Instant notAfter = validity.isNegative() ? now.plus(validity) : now.plus(validity);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer.contains("=") ? issuer
                    : "CN=" + issuer), new BigInteger(64, RANDOM).abs().add(BigInteger.ONE), Date.from(notBefore),
                    Date.from(notAfter), new X500Name("CN=" + cn), subjectKeys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : KeyUsage.digitalSignature));
            return new JcaX509CertificateConverter().getCertificate(b.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("could not issue a test certificate: " + e.getMessage(), e);
        }
    }
}
