package dev.firstboot.identity.dice;

import java.security.interfaces.ECPublicKey;
import java.util.HexFormat;

/**
 * The parts of an alias certificate that vary; the rest (issuer, validity, extension layout) is the firmware's
 * template. Simulators of defective devices change one of these to make a certificate a harness must reject.
 *
 * @param serial            serial number bytes (the firmware's is {@link DevKitCertificates#ALIAS_SERIAL})
 * @param subjectCommonName the registration id
 * @param aliasPublic       the key the certificate certifies
 * @param deviceIdPublic    the DeviceID key written into the RIoT SAN (and expected to sign the certificate)
 * @param fwid              SHA-256 of the riot_fw section, 32 bytes
 */
public record AliasFields(byte[] serial, String subjectCommonName, ECPublicKey aliasPublic, ECPublicKey deviceIdPublic,
                          byte[] fwid) {
    public AliasFields {
        serial = serial.clone();
        fwid = fwid.clone();
        if (serial.length == 0) {
            throw new IllegalArgumentException("An alias certificate serial needs at least one byte");
        }
    }

    /** The firmware's alias certificate for {@code registrationId}. */
    public static AliasFields standard(String registrationId, ECPublicKey aliasPublic, ECPublicKey deviceIdPublic,
                                       byte[] fwid) {
        return new AliasFields(DevKitCertificates.ALIAS_SERIAL, registrationId, aliasPublic, deviceIdPublic, fwid);
    }

    @Override
    public byte[] serial() {
        return serial.clone();
    }

    @Override
    public byte[] fwid() {
        return fwid.clone();
    }

    @Override
    public String toString() {
        return "AliasFields[serial=" + HexFormat.of().formatHex(serial) + ", subjectCommonName=" + subjectCommonName
                + ", fwid=" + HexFormat.of().formatHex(fwid) + "]";
    }
}
