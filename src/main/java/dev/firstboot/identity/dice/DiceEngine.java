package dev.firstboot.identity.dice;

import dev.firstboot.identity.IdentityException;

import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;

/** The DevKit's DICE + RIoT Core boot chain (variant A), deterministic and byte-exact with {@code dps_cert_gen}. */
public final class DiceEngine {
    static final String IDENTITY_LABEL = "Identity";
    static final String ALIAS_LABEL = "Alias";

    private DiceEngine() {
    }

    /**
     * @param uds            the 32-byte UDS ({@link Uds#parse})
     * @param fw             the measured firmware
     * @param registrationId the alias certificate's subject CN; must pass
     *                       {@link RegistrationIds#requireValidForCertificate}
     */
    public static DiceIdentity derive(byte[] uds, FirmwareImage fw, String registrationId) throws IdentityException {
        if (uds.length != 32) {
            throw new IdentityException("The UDS must be 32 bytes, but " + uds.length + " were given.");
        }
        byte[] cdi = DiceHash.digest(DiceHash.digest(uds), DiceHash.digest(fw.riotCore()));
        return deriveFromCdi(cdi, fw, registrationId);
    }

    /**
     * Everything after DICE: RIoT Core's keys and certificates from a given CDI. {@link #derive} is the firmware's
     * path; simulators of defective firmware feed it a CDI measured another way.
     */
    public static DiceIdentity deriveFromCdi(byte[] cdi, FirmwareImage fw, String registrationId) throws IdentityException {
        RegistrationIds.requireValidForCertificate(registrationId);
        // RIoT Core hashes the CDI before use ("Don't use CDI directly"); from here on SHA-256 is standard.
        byte[] deviceIdSeed = Sha256.of(cdi);
        KeyPair deviceId = RiotKdf.deriveEccKey(deviceIdSeed, IDENTITY_LABEL);
        byte[] fwid = Sha256.of(fw.riotFw());
        KeyPair alias = RiotKdf.deriveEccKey(Sha256.of(deviceIdSeed, fwid), ALIAS_LABEL);

        ECPublicKey deviceIdPub = (ECPublicKey) deviceId.getPublic();
        ECPrivateKey deviceIdPriv = (ECPrivateKey) deviceId.getPrivate();
        ECPublicKey aliasPub = (ECPublicKey) alias.getPublic();
        byte[] aliasTbs = DevKitCertificates.aliasTbs(AliasFields.standard(registrationId, aliasPub, deviceIdPub, fwid));
        byte[] aliasCert = DevKitCertificates.assemble(aliasTbs, FixedNonceEcdsa.signDer(aliasTbs, deviceIdPriv));
        byte[] deviceIdTbs = DevKitCertificates.deviceIdTbs(deviceIdPub);
        byte[] deviceIdCert = DevKitCertificates.assemble(deviceIdTbs, FixedNonceEcdsa.signDer(deviceIdTbs, deviceIdPriv));
        String aliasKeyPem = DevKitCertificates.pem("EC PRIVATE KEY",
                DevKitCertificates.ecPrivateKey((ECPrivateKey) alias.getPrivate(), aliasPub));
        return new DiceIdentity(registrationId, cdi, fwid, deviceId, alias,
                aliasCert, DevKitCertificates.pem("CERTIFICATE", aliasCert),
                deviceIdCert, DevKitCertificates.pem("CERTIFICATE", deviceIdCert), aliasKeyPem);
    }
}
