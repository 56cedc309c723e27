package dev.firstboot.identity.dice;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Date;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The DPS emulator reads device certificates through JDK TLS, so the JDK must accept the DevKit's unusual encoding:
 * UTF8String country, a critical SAN holding the RIoT otherName without an inner [0], a single-line PEM body.
 */
class AliasCertificateJdkTest {
    private static final DiceVectors.Vector V = DiceVectors.load("01");

    @Test
    void theJdkParsesTheSingleLinePemAndVerifiesItWithTheDeviceIdKey() throws Exception {
        DiceIdentity id = DiceEngine.derive(Uds.parse(V.uds()), V.firmware(), V.registrationId());
        X509Certificate alias = parse(id.aliasCertPem().getBytes(StandardCharsets.US_ASCII));

        assertThat(alias.getEncoded()).isEqualTo(id.aliasCertDer());
        alias.verify(id.deviceIdKey().getPublic());
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initVerify(id.deviceIdKey().getPublic());
        s.update(alias.getTBSCertificate());
        assertThat(s.verify(alias.getSignature())).isTrue();
        s.initVerify(id.aliasKey().getPublic());
        s.update(alias.getTBSCertificate());
        assertThat(s.verify(alias.getSignature())).as("the alias key must not verify its own certificate").isFalse();

        // RFC 2253 renders the RDNs last first.
        assertThat(alias.getSubjectX500Principal().getName()).isEqualTo("O=DEVKIT_TEST,C=US,CN=devkit-dps-vector-01");
        assertThat(alias.getIssuerX500Principal().getName()).isEqualTo("O=DEVKIT_TEST,C=US,CN=devkitdice");
        assertThat(alias.getSerialNumber().toString(16)).isEqualTo("a0b0c0d0e");
        assertThat(alias.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(alias.getPublicKey().getEncoded()).isEqualTo(id.aliasKey().getPublic().getEncoded());
        assertThat(alias.getCriticalExtensionOIDs()).isEqualTo(Set.of("2.5.29.37", "2.5.29.17"));
        assertThat(alias.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        var sans = alias.getSubjectAlternativeNames();
        assertThat(sans).hasSize(1);
        List<?> otherName = sans.iterator().next();
        assertThat(otherName.get(0)).as("GeneralName type otherName").isEqualTo(0);
    }

    @Test
    void pkixAcceptsTheAliasCertificateUnderTheSelfSignedDeviceIdCertificate() throws Exception {
        DiceIdentity id = DiceEngine.derive(Uds.parse(V.uds()), V.firmware(), V.registrationId());
        X509Certificate alias = parse(id.aliasCertDer());
        X509Certificate deviceId = parse(id.deviceIdCertPem().getBytes(StandardCharsets.US_ASCII));
        deviceId.verify(deviceId.getPublicKey());
        assertThat(deviceId.getBasicConstraints()).isEqualTo(2);

        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(deviceId, null)));
        params.setRevocationEnabled(false);
        params.setDate(new Date(1_700_000_000_000L));
        CertPathValidator.getInstance("PKIX").validate(cf.generateCertPath(List.of(alias)), params);
    }

    private static X509Certificate parse(byte[] encoded) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(encoded));
    }
}
