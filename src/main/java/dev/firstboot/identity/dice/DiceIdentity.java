package dev.firstboot.identity.dice;

import java.security.KeyPair;
import java.util.HexFormat;

/**
 * Everything a DevKit derives at boot from its UDS and firmware (variant A), plus the artefacts it presents.
 *
 * @param cdi             the Compound Device Identifier (secret)
 * @param fwid            SHA-256 of riot_fw
 * @param deviceIdKey     the DeviceID key pair (private half secret)
 * @param aliasKey        the alias key pair (private half secret)
 * @param aliasCertDer    the alias certificate, signed by the DeviceID key
 * @param aliasCertPem    its single-line PEM, exactly the bytes of {@code dps_cert_gen}'s {@code <regid>.pem}
 * @param deviceIdCertDer the self-signed DeviceID certificate (built on the device, never written by the tool)
 * @param deviceIdCertPem its single-line PEM
 * @param aliasKeyPem     the alias private key as single-line SEC1 {@code EC PRIVATE KEY} PEM (secret)
 */
public record DiceIdentity(String registrationId, byte[] cdi, byte[] fwid, KeyPair deviceIdKey, KeyPair aliasKey,
                           byte[] aliasCertDer, String aliasCertPem, byte[] deviceIdCertDer, String deviceIdCertPem,
                           String aliasKeyPem) {
    public DiceIdentity {
        cdi = cdi.clone();
        fwid = fwid.clone();
        aliasCertDer = aliasCertDer.clone();
        deviceIdCertDer = deviceIdCertDer.clone();
    }

    @Override
    public byte[] cdi() {
        return cdi.clone();
    }

    @Override
    public byte[] fwid() {
        return fwid.clone();
    }

    @Override
    public byte[] aliasCertDer() {
        return aliasCertDer.clone();
    }

    @Override
    public byte[] deviceIdCertDer() {
        return deviceIdCertDer.clone();
    }

    /** Names the identity without any secret: no CDI, no private key. */
    @Override
    public String toString() {
        return "DiceIdentity[registrationId=" + registrationId + ", fwid=" + HexFormat.of().formatHex(fwid)
                + ", aliasCert=" + aliasCertDer.length + " bytes, deviceIdCert=" + deviceIdCertDer.length + " bytes]";
    }
}
