package dev.firstboot.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A throw-away certificate authority made fresh for each run (EC P-256), for the emulators' TLS servers and for test
 * devices. Nothing is written to disk (unless {@link CaFiles} keeps it for {@code emulator --data}) and no key lives
 * in the repository: a leaked run key is worth nothing.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final KeyPair caKeys;
    private final X509Certificate caCertificate;

    private TestPki(KeyPair caKeys, X509Certificate caCertificate) {
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
    }

    /** A new CA, valid from an hour ago (clock skew) for two days. */
    public static TestPki create() {
        return create(Duration.ofDays(2));
    }

    /** A new CA, valid from an hour ago (clock skew) for {@code validity}; a kept CA (emulator --data) lives longer. */
    public static TestPki create(Duration validity) {
        KeyPair keys = newKeyPair();
        byte[] tag = new byte[6];
        RANDOM.nextBytes(tag);
        X500Name subject = name("firstboot test CA (per run, not for production) " + HexFormat.of().formatHex(tag));
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new TestPki(keys, sign(b, keys.getPrivate()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not make the per-run test CA: " + e.getMessage(), e);
        }
    }

    /**
     * A self-signed EC P-256 client certificate with the given common name, like a device's DICE alias certificate
     * seen by a service that only checks the leaf. Handy for tests and for simulated devices.
     */
    public static KeyMaterial selfSigned(String commonName) {
        KeyPair keys = newKeyPair();
        X500Name subject = name(commonName);
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
                    keys.getPublic());
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return new KeyMaterial(keys.getPrivate(), List.of(sign(b, keys.getPrivate())));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** A CA read back from where {@link CaFiles} kept it. The key must belong to the certificate. */
    static TestPki of(X509Certificate caCertificate, PrivateKey caKey) {
        return new TestPki(new KeyPair(caCertificate.getPublicKey(), caKey), caCertificate);
    }

    /** For {@link CaFiles} only: the CA's private key, to be written to a 0600 file. */
    PrivateKey caPrivateKey() {
        return caKeys.getPrivate();
    }

    /**
     * A device client certificate issued by this CA (EC P-256, CN = {@code commonName}, clientAuth), e.g. for
     * X.509 individual enrollments whose registration id is the CN.
     */
    public KeyMaterial issueClient(String commonName) {
        KeyPair keys = newKeyPair();
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
                    name(commonName), keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            return new KeyMaterial(keys.getPrivate(), List.of(sign(b, caKeys.getPrivate()), caCertificate));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not issue a test client certificate: " + e.getMessage(), e);
        }
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** A TLS server key for the given host names and IP addresses; the chain is the leaf, then this CA. */
    public KeyMaterial issueServer(List<String> dnsNames, List<String> ipAddresses) {
        Instant now = Instant.now();
        return issueServer(dnsNames, ipAddresses, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(2)));
    }

    /**
     * As {@link #issueServer(List, List)}, but expired: valid from two days ago until one day ago, so a client that
     * checks dates (every conforming device) refuses it. For the expired-certificate fault.
     */
    public KeyMaterial issueExpiredServer(List<String> dnsNames, List<String> ipAddresses) {
        Instant now = Instant.now();
        return issueServer(dnsNames, ipAddresses, now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(1)));
    }

    private KeyMaterial issueServer(List<String> dnsNames, List<String> ipAddresses, Instant notBefore,
                                    Instant notAfter) {
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("a server certificate needs at least one DNS name or IP address");
        }
        KeyPair keys = newKeyPair();
        String cn = dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                    Date.from(notBefore), Date.from(notAfter), name(cn), keys.getPublic());
            List<GeneralName> names = new ArrayList<>();
            dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
            ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(caCertificate));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new KeyMaterial(keys.getPrivate(), List.of(sign(b, caKeys.getPrivate()), caCertificate));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not issue a test server certificate: " + e.getMessage(), e);
        }
    }

    /**
     * A TLS 1.2/1.3 server context for {@code identity} that accepts any client certificate (or none): the service
     * behind it decides who the client is, as the real DPS does with self-signed device certificates.
     */
    public SSLContext serverContext(KeyMaterial identity) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(keyManagers(identity), new TrustManager[]{new TrustAnyClient()}, RANDOM);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not make a TLS server context: " + e.getMessage(), e);
        }
    }

    /** A client context that trusts only this CA, and presents {@code clientIdentity} when a server asks. */
    public SSLContext clientContextTrustingCa(Optional<KeyMaterial> clientIdentity) {
        return clientContextTrusting(caCertificate, clientIdentity);
    }

    /**
     * A client context that trusts only {@code trustAnchor} (as a device trusts the CA its rig hands out), and
     * presents {@code clientIdentity} when a server asks. Host names are checked by the client that uses it.
     */
    public static SSLContext clientContextTrusting(X509Certificate trustAnchor, Optional<KeyMaterial> clientIdentity) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", trustAnchor);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(clientIdentity.isPresent() ? keyManagers(clientIdentity.get()) : null, tmf.getTrustManagers(),
                    RANDOM);
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("could not make a TLS client context: " + e.getMessage(), e);
        }
    }

    /** The protocols the emulators enable on every server engine. */
    public static String[] serverProtocols() {
        return PROTOCOLS.clone();
    }

    private static javax.net.ssl.KeyManager[] keyManagers(KeyMaterial identity) throws GeneralSecurityException {
        char[] password = new char[16];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + RANDOM.nextInt(26));
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", identity.key(), password, identity.chain().toArray(Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf.getKeyManagers();
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("in-memory key store: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is missing from this JDK", e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static BigInteger serial() {
        return new BigInteger(120, RANDOM).setBit(119);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(SIGNATURE)
                    .build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("signer: " + e.getMessage(), e);
        }
    }
}
