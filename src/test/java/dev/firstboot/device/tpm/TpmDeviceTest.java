package dev.firstboot.device.tpm;

import dev.firstboot.Required;
import dev.firstboot.identity.tpm.ActivationBlob;
import dev.firstboot.identity.tpm.SasTokens;
import dev.firstboot.identity.tpm.TpmPublic;
import dev.firstboot.identity.tpm.TpmRegistrationIds;
import dev.firstboot.rig.DeviceException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** DPS TPM attestation against a real TPM 2.0 (swtpm): the proof that identity.tpm builds what a TPM accepts. */
class TpmDeviceTest {
    private static final Duration START = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;
    private Swtpm swtpm;
    private TpmDevice device;

    @BeforeEach
    void start() throws Exception {
        Required.swtpm();
        swtpm = Swtpm.start(dir, START);
        device = TpmDevice.connect(swtpm);
    }

    @AfterEach
    void stop() throws Exception {
        if (device != null) {
            device.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void ekAndSrkFollowTheStandardTemplates() throws Exception {
        TpmPublic ek = TpmPublic.parse(device.endorsementKey());
        TpmPublic srk = TpmPublic.parse(device.storageRootKey());

        assertThat(ek.attributes()).isEqualTo(0x000300b2L);
        assertThat(ek.symmetric().isAes128Cfb()).isTrue();
        assertThat(ek.authPolicy()).hasSize(32);
        assertThat(srk.attributes()).isEqualTo(0x00030472L);
        assertThat(srk.authPolicy()).isEmpty();
        assertThat(ek).isNotEqualTo(srk);
    }

    @Test
    void ekAndSrkPersistAcrossAReconnectAndAnSwtpmRestartOnTheSameState() throws Exception {
        byte[] ek = device.endorsementKey();
        byte[] srk = device.storageRootKey();

        device.close();
        device = TpmDevice.connect(swtpm);
        assertThat(device.endorsementKey()).isEqualTo(ek);
        assertThat(device.storageRootKey()).isEqualTo(srk);

        device.close();
        device = null;
        swtpm.close();
        swtpm = Swtpm.start(dir, START);
        device = TpmDevice.connect(swtpm);
        assertThat(device.endorsementKey()).isEqualTo(ek);
        assertThat(device.storageRootKey()).isEqualTo(srk);
    }

    @Test
    void registrationIdIsComputedFromTheEkBytes() throws Exception {
        assertThat(device.registrationId()).isEqualTo(TpmRegistrationIds.fromEndorsementKey(device.endorsementKey()))
                .matches("[a-z2-7]{52}");
    }

    @Test
    void aSoftwareBuiltBlobActivatesAndTheTpmHmacEqualsTheSoftwareHmac() throws Exception {
        byte[] key = random(32);
        byte[] data = "0ne00000001%2Fregistrations%2Fdevice\n1900000000".getBytes(StandardCharsets.UTF_8);

        device.activate(blobFor(key, "hub.example.net").toBytes());

        assertThat(device.hmac(data)).isEqualTo(softwareHmac(key, data));
    }

    @Test
    void aSecondActivationReplacesTheIdentityKey() throws Exception {
        byte[] first = random(32);
        byte[] second = random(32);
        byte[] data = {1, 2, 3};

        device.activate(blobFor(first, "").toBytes());
        device.activate(blobFor(second, "").toBytes());

        assertThat(device.hmac(data)).isEqualTo(softwareHmac(second, data)).isNotEqualTo(softwareHmac(first, data));
    }

    @Test
    void aSasTokenSignedInTheTpmVerifiesWithTheKeyTheServicePutIntoTheBlob() throws Exception {
        byte[] key = random(32);
        device.activate(blobFor(key, "").toBytes());
        String scope = "0ne00000001/registrations/" + device.registrationId();
        String sr = SasTokens.resource(scope, SasTokens.ScopeEncoding.ENCODED);
        Instant expiry = Instant.now().plusSeconds(2400);

        String token = SasTokens.format(sr, device.hmac(SasTokens.stringToSign(sr, expiry)), expiry,
                Optional.of("registration"));

        assertThat(SasTokens.verify(token, scope, key, Set.of("registration"), Instant.now()))
                .isInstanceOf(SasTokens.Accepted.class);
    }

    @Test
    void hmacBeforeActivationFailsClearly() {
        assertThatThrownBy(() -> device.hmac(new byte[]{1})).isInstanceOf(DeviceException.class)
                .hasMessageContaining("no identity key at 0x81000100");
    }

    @Test
    void aBlobForAnotherTpmIsRefused() throws Exception {
        ActivationBlob blob = blobFor(random(32), "");
        Path other = dir.resolve("other");
        try (Swtpm second = Swtpm.start(other, START); TpmDevice otherDevice = TpmDevice.connect(second)) {
            // the other TPM has its own EK seed, so the credential's seed does not decrypt there
            assertThatThrownBy(() -> otherDevice.activate(blob.toBytes())).isInstanceOf(DeviceException.class)
                    .hasMessageContaining("TPM2_ActivateCredential failed").hasMessageContaining("TPM_RC_");
        }
    }

    @Test
    void tamperingWithEachPartFailsActivationNamingTheTpmCommandAndResponseCode() throws Exception {
        ActivationBlob good = blobFor(random(32), "");
        String[] parts = {"credentialBlob", "secret", "idKeyDuplicate", "encryptedSeed", "idKeyPublic"};
        String[] failingCommand = {"TPM2_ActivateCredential", "TPM2_ActivateCredential", "TPM2_Import",
                "TPM2_Import", "TPM2_Import"};
        // A seed that no longer OAEP-decrypts is reported as TPM_RC_FAILURE by libtpms 0.9.2 (the reference TPM says
        // TPM_RC_VALUE), so only the integrity failures are pinned to a code.
        String[] responseCode = {"TPM_RC_INTEGRITY", "TPM_RC_", "TPM_RC_INTEGRITY", "TPM_RC_", "TPM_RC_INTEGRITY"};
        for (int i = 0; i < parts.length; i++) {
            byte[][] p = {good.credentialBlob(), good.secret(), good.idKeyDuplicate(), good.encryptedSeed(),
                    good.idKeyPublic()};
            p[i][p[i].length - 1] ^= 0x01;
            ActivationBlob tampered = new ActivationBlob(p[0], p[1], p[2], p[3], p[4], good.encUriData());

            assertThatThrownBy(() -> device.activate(tampered.toBytes())).as(parts[i])
                    .isInstanceOf(DeviceException.class).hasMessageContaining(failingCommand[i] + " failed")
                    .hasMessageContaining(responseCode[i]);
        }
        // the untouched blob still activates afterwards: the failures left no session or object behind
        device.activate(good.toBytes());
        assertThat(device.hmac(new byte[]{7})).hasSize(32);
    }

    @Test
    void aTruncatedBlobIsRefusedBeforeReachingTheTpm() throws Exception {
        byte[] bytes = blobFor(random(32), "").toBytes();
        assertThatThrownBy(() -> device.activate(java.util.Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(DeviceException.class).hasMessageContaining("malformed").hasMessageContaining("offset");
    }

    private ActivationBlob blobFor(byte[] key, String uri) throws Exception {
        return ActivationBlob.build(TpmPublic.parse(device.endorsementKey()), TpmPublic.parse(device.storageRootKey()),
                key, uri.getBytes(StandardCharsets.US_ASCII), RANDOM);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static byte[] softwareHmac(byte[] key, byte[] data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data);
    }
}
