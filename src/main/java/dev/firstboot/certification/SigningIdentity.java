package dev.firstboot.certification;

import dev.firstboot.pki.PrivateKeyPem;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Properties;

/**
 * The key and certificate a vendor's lab signs certification statements with. Given as two PEM files, or as a
 * properties file with {@code signing-key=} and {@code signing-cert=} (paths relative to it).
 */
public record SigningIdentity(PrivateKey key, X509Certificate certificate) {
    @Override
    public String toString() {
        return "SigningIdentity[" + certificate.getSubjectX500Principal() + ", key «masked»]";
    }

    /** Loads the lab's identity; {@code config} is used when the two files are not given. */
    public static SigningIdentity load(Optional<Path> keyPem, Optional<Path> certPem, Optional<Path> config)
            throws BundleException {
        if (keyPem.isEmpty() && certPem.isEmpty() && config.isPresent()) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(config.get(), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new BundleException("cannot read the signing configuration " + config.get() + ": "
                        + e.getMessage());
            }
            Path base = config.get().toAbsolutePath().getParent();
            String k = p.getProperty("signing-key", "");
            String c = p.getProperty("signing-cert", "");
            if (k.isBlank() || c.isBlank()) {
                throw new BundleException("the signing configuration " + config.get() + " must set both signing-key= "
                        + "and signing-cert= (PEM files, relative to it)");
            }
            keyPem = Optional.of(base.resolve(k.trim()));
            certPem = Optional.of(base.resolve(c.trim()));
        }
        if (keyPem.isEmpty() || certPem.isEmpty()) {
            throw new BundleException("a certification bundle is signed with your lab's key: pass --signing-key "
                    + "KEY.pem and --signing-cert CERT.pem, or --signing-config FILE with signing-key= and "
                    + "signing-cert= (see docs/hsm-certification.md, \"The lab's signing key\")");
        }
        return new SigningIdentity(readKey(keyPem.get()), readCertificate(certPem.get()));
    }

    static PrivateKey readKey(Path file) throws BundleException {
        try {
            return PrivateKeyPem.parse(Files.readString(file, StandardCharsets.US_ASCII));
        } catch (PrivateKeyPem.InvalidPem e) {
            throw new BundleException("the signing key " + file + " " + e.getMessage());
        } catch (IOException e) {
            throw new BundleException("cannot read the signing key " + file + ": " + e.getClass().getSimpleName()
                    + (e instanceof java.nio.file.NoSuchFileException ? " (no such file)" : ""));
        }
    }

    public static X509Certificate readCertificate(Path file) throws BundleException {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | CertificateException e) {
            throw new BundleException("cannot read the signing certificate " + file + ": " + e.getMessage()
                    + "; expected one PEM or DER X.509 certificate");
        }
    }
}
