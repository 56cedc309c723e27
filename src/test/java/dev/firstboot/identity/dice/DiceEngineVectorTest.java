package dev.firstboot.identity.dice;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;

import static org.assertj.core.api.Assertions.assertThat;

/** Every step of the derivation equals what Microsoft's dps_cert_gen computed for the golden vectors. */
class DiceEngineVectorTest {

    @ParameterizedTest(name = "vector {0}")
    @ValueSource(strings = {"01", "02", "08"})
    void reproducesEveryIntermediateAndTheToolsPemFile(String name) throws Exception {
        DiceVectors.Vector v = DiceVectors.load(name);
        byte[] uds = Uds.parse(v.uds());
        FirmwareImage fw = v.firmware();

        assertThat(uds).as("UDS bytes").isEqualTo(v.hex("uds_bytes"));
        assertThat(fw.flashBase()).as("flash base").isEqualTo(Long.decode(v.expected().at("/map/flash_base").asText()));
        assertThat(fw.riotCoreStart()).isEqualTo(Long.decode(v.expected().at("/map/riot_core/start").asText()));
        assertThat(fw.riotCoreStop()).isEqualTo(Long.decode(v.expected().at("/map/riot_core/stop").asText()));
        assertThat(fw.riotFwStart()).isEqualTo(Long.decode(v.expected().at("/map/riot_fw/start").asText()));
        assertThat(fw.riotFwStop()).isEqualTo(Long.decode(v.expected().at("/map/riot_fw/stop").asText()));

        byte[] udsDigest = DiceHash.digest(uds);
        byte[] coreDigest = DiceHash.digest(fw.riotCore());
        byte[] cdi = DiceHash.digest(udsDigest, coreDigest);
        assertThat(udsDigest).as("uds digest (DICEHASH)").isEqualTo(v.hex("uds_digest_sha256(uds)"));
        assertThat(coreDigest).as("riot_core digest (DICEHASH)").isEqualTo(v.hex("riot_core_digest_sha256(riot_core)"));
        assertThat(cdi).as("CDI").isEqualTo(v.hex("cdi"));

        byte[] deviceIdSeed = Sha256.of(cdi);
        assertThat(deviceIdSeed).as("DeviceID seed").isEqualTo(v.hex("deviceid_seed_sha256(cdi)"));
        var deviceId = RiotKdf.deriveEccKey(deviceIdSeed, "Identity");
        assertThat(P256.fixed32(((ECPrivateKey) deviceId.getPrivate()).getS())).as("DeviceID d")
                .isEqualTo(v.hex("deviceid_private_d"));
        assertThat(P256.uncompressed((ECPublicKey) deviceId.getPublic())).as("DeviceID public key")
                .isEqualTo(v.hex("deviceid_public_uncompressed"));

        byte[] fwid = Sha256.of(fw.riotFw());
        assertThat(fwid).as("FWID").isEqualTo(v.hex("fwid_sha256(riot_fw)"));
        byte[] aliasSeed = Sha256.of(deviceIdSeed, fwid);
        assertThat(aliasSeed).as("alias seed").isEqualTo(v.hex("alias_seed_sha256(deviceid_seed||fwid)"));
        var alias = RiotKdf.deriveEccKey(aliasSeed, "Alias");
        assertThat(P256.fixed32(((ECPrivateKey) alias.getPrivate()).getS())).as("alias d")
                .isEqualTo(v.hex("alias_private_d"));
        assertThat(P256.uncompressed((ECPublicKey) alias.getPublic())).as("alias public key")
                .isEqualTo(v.hex("alias_public_uncompressed"));

        byte[] tbs = DevKitCertificates.aliasTbs(AliasFields.standard(v.registrationId(),
                (ECPublicKey) alias.getPublic(), (ECPublicKey) deviceId.getPublic(), fwid));
        assertThat(tbs).as("alias TBS DER").isEqualTo(v.hex("alias_tbs_der"));
        BigInteger[] rs = FixedNonceEcdsa.sign(tbs, ((ECPrivateKey) deviceId.getPrivate()).getS());
        assertThat(P256.fixed32(rs[0])).as("signature r").isEqualTo(v.hex("alias_sig_r"));
        assertThat(P256.fixed32(rs[1])).as("signature s").isEqualTo(v.hex("alias_sig_s"));

        DiceIdentity id = DiceEngine.derive(uds, fw, v.registrationId());
        assertThat(id.registrationId()).isEqualTo(v.registrationId());
        assertThat(id.cdi()).as("CDI from the engine").isEqualTo(v.hex("cdi"));
        assertThat(id.fwid()).as("FWID from the engine").isEqualTo(v.hex("fwid_sha256(riot_fw)"));
        assertThat(id.aliasCertDer()).as("alias certificate DER").isEqualTo(v.hex("alias_cert_der"));
        assertThat(id.aliasCertPem().getBytes(StandardCharsets.US_ASCII)).as("alias PEM file bytes")
                .isEqualTo(v.expectedAliasPem());
        assertThat(id.deviceIdCertDer()).as("DeviceID certificate DER").isEqualTo(v.hex("deviceid_cert_der"));
        assertThat(id.deviceIdCertPem()).as("DeviceID certificate PEM").isEqualTo(v.text("deviceid_cert_pem"));
        assertThat(DevKitCertificates.pem("PUBLIC KEY",
                DevKitCertificates.subjectPublicKeyInfo((ECPublicKey) id.deviceIdKey().getPublic())))
                .as("DeviceID public key PEM").isEqualTo(v.text("deviceid_public_key_pem"));
        assertThat(id.aliasKeyPem()).as("alias private key PEM").isEqualTo(v.text("alias_private_key_pem"));
        assertThat(id.deviceIdKey().getPublic().getEncoded()).isEqualTo(deviceId.getPublic().getEncoded());
        assertThat(id.aliasKey().getPublic().getEncoded()).isEqualTo(alias.getPublic().getEncoded());
        assertThat(id.toString()).as("toString must not reveal secrets").contains(v.registrationId())
                .doesNotContain(v.text("cdi")).doesNotContain(v.text("alias_private_d"))
                .doesNotContain(v.text("deviceid_private_d")).doesNotContain("PRIVATE");
    }
}
