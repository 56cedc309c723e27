package dev.firstboot.pki;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;

/**
 * A CA kept in a folder ({@code ca.pem}, and {@code ca-key.pem} with mode 0600), so an emulator restarted on the same
 * folder keeps the CA its clients already trust. Errors name the file and say what to do; they never show the key.
 */
public final class CaFiles {
    public static final String CERTIFICATE = "ca.pem";
    public static final String KEY = "ca-key.pem";
    /** A kept CA lives for years: clients that trust it should not have to be re-provisioned. */
    static final Duration KEPT_VALIDITY = Duration.ofDays(3650);

    private CaFiles() {
    }

    /** The CA in {@code dir}, made and written there on first use. */
    public static TestPki loadOrCreate(Path dir) throws IOException {
        Path cert = dir.resolve(CERTIFICATE);
        Path key = dir.resolve(KEY);
        boolean hasCert = Files.exists(cert);
        boolean hasKey = Files.exists(key);
        if (hasCert != hasKey) {
            throw new IOException("found " + (hasCert ? cert : key) + " but not " + (hasCert ? key : cert)
                    + "; a kept CA needs both. Restore the missing file, or delete the other to make a new CA"
                    + " (clients must then trust the new " + CERTIFICATE + ")");
        }
        if (hasCert) {
            return load(cert, key);
        }
        Files.createDirectories(dir);
        TestPki pki = TestPki.create(KEPT_VALIDITY);
        writePrivate(key, pem(pki.caPrivateKey()));
        Files.writeString(cert, pem(pki.caCertificate()), StandardCharsets.US_ASCII);
        return pki;
    }

    /** Writes the CA certificate (only) as PEM, for clients to trust. */
    public static void writeCertificate(TestPki pki, Path file) throws IOException {
        Files.writeString(file, pem(pki.caCertificate()), StandardCharsets.US_ASCII);
    }

    /** Creates {@code file} with mode 0600 before any byte is written, then writes {@code text}. */
    public static void writePrivate(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static TestPki load(Path certFile, Path keyFile) throws IOException {
        X509Certificate cert;
        try (var in = Files.newInputStream(certFile)) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (CertificateException | ClassCastException e) {
            throw new IOException(certFile + " is not a PEM X.509 certificate (" + e.getMessage()
                    + "); restore it, or delete " + certFile + " and " + keyFile + " to make a new CA");
        }
        PrivateKey key;
        try {
            String text = Files.readString(keyFile, StandardCharsets.US_ASCII);
            String body = text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
            key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(keyFile + " is not a PKCS#8 PEM EC private key; restore it, or delete " + certFile
                    + " and " + keyFile + " to make a new CA");
        }
        if (!matches(cert, key)) {
            throw new IOException(keyFile + " is not the key of " + certFile + "; restore the pair, or delete both to"
                    + " make a new CA");
        }
        try {
            cert.checkValidity(new Date());
        } catch (CertificateException e) {
            throw new IOException("the kept CA " + certFile + " is not valid now (valid " + cert.getNotBefore()
                    + " to " + cert.getNotAfter() + "); delete " + certFile + " and " + keyFile
                    + " to make a new CA");
        }
        return TestPki.of(cert, key);
    }

    private static boolean matches(X509Certificate cert, PrivateKey key) {
        try {
            byte[] probe = "firstboot CA key check".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(cert.getPublicKey());
            s.update(probe);
            return s.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            if (o instanceof PrivateKey k) {
                w.writeObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", k.getEncoded()));
            } else {
                w.writeObject(o);
            }
        }
        return out.toString();
    }
}
