package dev.firstboot.secret;

import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.Timeline;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RedactorTest {
    private static final String UDS = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae";

    @Test
    void aRegisteredUdsIsMaskedInAnyCase() {
        Redactor r = new Redactor();
        r.register(UDS);
        assertThat(r.mask("set_dps_uds " + UDS.toUpperCase())).isEqualTo("set_dps_uds " + Redactor.MASK);
        assertThat(r.leaks("x" + UDS)).isTrue();
    }

    @Test
    void sasSignaturesAndKeysAreMaskedEvenWhenNobodyRegisteredThem() {
        Redactor r = new Redactor();
        assertThat(r.mask("SharedAccessSignature sr=a%2Fb&sig=abc%2Bdef%3D&se=123&skn=registration"))
                .isEqualTo("SharedAccessSignature sr=a%2Fb&sig=" + Redactor.MASK + "&se=123&skn=registration");
        assertThat(r.mask("HostName=h;SharedAccessKeyName=o;SharedAccessKey=c2VjcmV0"))
                .endsWith("SharedAccessKey=" + Redactor.MASK);
    }

    @Test
    void theTimelineNeverStoresASecret() {
        Redactor r = new Redactor();
        r.register(UDS);
        Timeline t = new Timeline(r);
        t.record(Origin.DEVICE, EventKind.CONSOLE_LINE, "board", Map.of("line", "# set_dps_uds \"" + UDS + "\""));
        assertThat(t.render()).doesNotContain(UDS).contains(Redactor.MASK);
        assertThat(Secret.of(UDS).toString()).isEqualTo(Redactor.MASK);
    }

    @Test
    void anyLongEnoughPartOfAUdsIsALeakAndIsMasked() {
        Redactor r = new Redactor();
        r.register(UDS);
        String first32 = UDS.substring(0, 32);
        assertThat(r.reveals("UDS starts " + first32)).isTrue();
        assertThat(r.mask("UDS starts " + first32 + ".")).isEqualTo("UDS starts " + Redactor.MASK + ".");
        String middle = UDS.substring(20, 20 + Redactor.LEAK_HEX_CHARS).toUpperCase();
        assertThat(r.mask("x=" + middle + "!")).isEqualTo("x=" + Redactor.MASK + "!");
        assertThat(r.leaks("x" + UDS.substring(5, 5 + Redactor.LEAK_HEX_CHARS - 1) + "x"))
                .as("fewer than 16 hex characters do not count").isFalse();
    }

    @Test
    void aUdsPrintedInBase64AndAKeyPrintedInHexAreLeaksToo() {
        Redactor r = new Redactor();
        r.register(UDS);
        String udsBase64 = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(UDS));
        assertThat(r.mask("uds=" + udsBase64)).isEqualTo("uds=" + Redactor.MASK);
        assertThat(r.reveals("part " + udsBase64.substring(8, 8 + Redactor.LEAK_BASE64_CHARS))).isTrue();
        byte[] key = HexFormat.of().parseHex("00112233445566778899aabbccddeeff0123456789abcdef0011223344556677");
        r.register(Base64.getEncoder().encodeToString(key));
        String keyHex = HexFormat.of().formatHex(key);
        assertThat(r.mask("key " + keyHex.substring(10, 40) + " end")).isEqualTo("key " + Redactor.MASK + " end");
    }

    @Test
    void aPrivateKeysValueIsFoundInPartButTheCertificateThatSharesItsPublicHalfIsNoLeak() throws Exception {
        dev.firstboot.pki.KeyMaterial m = dev.firstboot.pki.TestPki.selfSigned("leak-check-01");
        Redactor r = new Redactor();
        r.registerPrivateKey(m.privateKeyPem(), m.key());
        assertThat(r.leaks(m.chainPem())).as("the certificate holds the public key only").isFalse();
        assertThat(r.leaks(m.privateKeyPem())).isTrue();
        java.math.BigInteger s = ((java.security.interfaces.ECPrivateKey) m.key()).getS();
        String scalar = String.format("%064x", s);
        assertThat(r.reveals("d=" + scalar.substring(0, 20))).isTrue();
        String body = m.privateKeyPem().replaceAll("-----[^-]+-----", "").replaceAll("\\s", "");
        assertThat(r.mask("private key " + body + "!")).as("the body, whose lines are secrets too, is masked once")
                .isEqualTo("private key " + Redactor.MASK + "!");
    }

    /** A P-256 key in its SEC1 form, as a DevKit writes its alias key: a part of the body that encodes d is a leak. */
    @Test
    void aPartOfAPemBodyThatEncodesThePrivateValueIsALeakButItsPublicTailIsNot() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair pair = g.generateKeyPair();
        byte[] sec1 = dev.firstboot.identity.dice.DevKitCertificates.ecPrivateKey(
                (java.security.interfaces.ECPrivateKey) pair.getPrivate(),
                (java.security.interfaces.ECPublicKey) pair.getPublic());
        String pem = dev.firstboot.identity.dice.DevKitCertificates.pem("EC PRIVATE KEY", sec1);
        String body = Base64.getEncoder().encodeToString(sec1);
        Redactor r = new Redactor();
        r.registerPrivateKey(pem, pair.getPrivate());
        assertThat(r.reveals("key " + body)).isTrue();
        assertThat(r.mask("key " + body)).isEqualTo("key " + Redactor.MASK);
        // d is bytes 7..38 of SEC1 (30 77 02 01 01 04 20 d…): characters 12..51 of the base64 encode only d
        assertThat(r.reveals("part " + body.substring(14, 14 + Redactor.LEAK_BASE64_CHARS))).isTrue();
        assertThat(r.leaks(body.substring(body.length() - 40))).as("the public key at the end").isFalse();
        String d = HexFormat.of().formatHex(sec1, 7, 39);
        assertThat(r.reveals("d=" + d.toUpperCase())).isTrue();
        assertThat(r.reveals(HexFormat.of().formatHex(sec1).substring(20, 60))).as("a hex dump of the DER").isTrue();
    }

    @Test
    void aKeyWithoutAPemIsFoundInItsPkcs8FormAndByItsValue() throws Exception {
        dev.firstboot.pki.KeyMaterial m = dev.firstboot.pki.TestPki.selfSigned("leak-check-02");
        Redactor r = new Redactor();
        r.registerPrivateKey(m.key());
        String pkcs8 = Base64.getEncoder().encodeToString(m.key().getEncoded());
        assertThat(r.mask("-----BEGIN PRIVATE KEY-----" + pkcs8 + "-----END PRIVATE KEY-----"))
                .doesNotContain(pkcs8.substring(20, 40));
        assertThat(r.leaks(m.privateKeyPem())).isTrue();
        assertThat(r.leaks(m.chainPem())).isFalse();
    }

    @Test
    void aSasSignatureSeenOnTheWireIsALeakInItsEncodedBase64AndHexFormsAndInPart() {
        byte[] hmac = HexFormat.of().parseHex("fb3f79b2d10c4e2a8b1d67a9e0f35c44a1b2c3d4e5f60718293a4b5c6d7e8f90");
        String base64 = Base64.getEncoder().encodeToString(hmac);
        String encoded = java.net.URLEncoder.encode(base64, java.nio.charset.StandardCharsets.UTF_8);
        Redactor r = new Redactor();
        assertThat(r.leaks("sig " + base64)).isFalse();
        r.registerSasToken("SharedAccessSignature sr=0ne%2Fregistrations%2Fd1&sig=" + encoded + "&se=1700000000");
        assertThat(r.mask("token part " + encoded)).isEqualTo("token part " + Redactor.MASK);
        assertThat(r.mask("signature " + base64 + ".")).isEqualTo("signature " + Redactor.MASK + ".");
        assertThat(r.reveals(base64.substring(5, 5 + Redactor.LEAK_BASE64_CHARS))).isTrue();
        assertThat(r.reveals("hmac " + HexFormat.of().formatHex(hmac).substring(30, 30 + Redactor.LEAK_HEX_CHARS)))
                .isTrue();
        r.registerSasToken("SharedAccessSignature sr=x&se=1");
        r.registerSasToken("no token at all");
        assertThat(r.leaks("sr=x&se=1")).isFalse();
    }
}
