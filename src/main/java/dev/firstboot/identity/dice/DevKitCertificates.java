package dev.firstboot.identity.dice;

import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;

/**
 * The DevKit's hand-built X.509 DER ({@code RiotX509Bldr.c}), reproduced byte for byte: UTF8String for every name
 * attribute (country too), no NULL parameters after ecdsa-with-SHA256, a critical EKU and a critical SAN carrying
 * the RIoT OID 1.3.6.1.4.1.311.89.3.1 without an inner [0] wrapper.
 */
public final class DevKitCertificates {
    /** Serial of the alias certificate, 0A0B0C0D0E. Do not modify. */
    public static final byte[] ALIAS_SERIAL = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e};
    /** Serial of the self-signed DeviceID certificate, 0E0D0C0B0A. Do not modify. */
    public static final byte[] DEVICE_ID_SERIAL = {0x0e, 0x0d, 0x0c, 0x0b, 0x0a};

    static final String ISSUER_COMMON_NAME = "devkitdice";
    static final String COUNTRY = "US";
    static final String ORGANIZATION = "DEVKIT_TEST";
    static final String NOT_BEFORE = "170101000000Z";
    static final String NOT_AFTER = "370101000000Z";

    static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
    static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    static final String PRIME256V1 = "1.2.840.10045.3.1.7";
    static final String SHA256 = "2.16.840.1.101.3.4.2.1";
    static final String EXT_KEY_USAGE = "2.5.29.37";
    static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    static final String SUBJECT_ALT_NAME = "2.5.29.17";
    static final String BASIC_CONSTRAINTS = "2.5.29.19";
    /** Microsoft's RIoT identity OID, carried as an otherName-like SAN entry. */
    public static final String RIOT_OID = "1.3.6.1.4.1.311.89.3.1";

    private static final String[] OID_CN_C_O = {"2.5.4.3", "2.5.4.6", "2.5.4.10"};

    private DevKitCertificates() {
    }

    /** The alias certificate's TBSCertificate. */
    public static byte[] aliasTbs(AliasFields f) {
        byte[] eku = extension(EXT_KEY_USAGE, true, Der.seq(Der.oid(CLIENT_AUTH)));
        byte[] riot = Der.seq(
                Der.smallInteger(1),
                subjectPublicKeyInfo(f.deviceIdPublic()),
                Der.seq(Der.oid(SHA256), Der.octets(f.fwid())));
        byte[] san = extension(SUBJECT_ALT_NAME, true, Der.seq(Der.context(0, Der.oid(RIOT_OID), riot)));
        return tbs(f.serial(), name(f.subjectCommonName()), f.aliasPublic(), Der.seq(eku, san));
    }

    /** The DeviceID certificate's TBSCertificate (self-issued; basicConstraints cA, pathLen 2, not critical). */
    public static byte[] deviceIdTbs(ECPublicKey deviceIdPub) {
        byte[] basic = extension(BASIC_CONSTRAINTS, false, Der.seq(Der.bool(true), Der.smallInteger(2)));
        return tbs(DEVICE_ID_SERIAL, name(ISSUER_COMMON_NAME), deviceIdPub, Der.seq(basic));
    }

    /** Certificate = SEQUENCE{tbs, ecdsa-with-SHA256, BIT STRING signature}. */
    public static byte[] assemble(byte[] tbs, byte[] signatureDer) {
        return Der.seq(tbs, signatureAlgorithm(), Der.bits(signatureDer));
    }

    /** PEM as the firmware's {@code DERtoPEM} writes it: the whole base64 body on one line, "\n" line ends. */
    public static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getEncoder().encodeToString(der) + "\n-----END " + label
                + "-----\n";
    }

    /** SubjectPublicKeyInfo of a P-256 key: {@code SEQUENCE{SEQUENCE{ecPublicKey, prime256v1}, BIT STRING 04‖X‖Y}}. */
    public static byte[] subjectPublicKeyInfo(ECPublicKey key) {
        return Der.seq(Der.seq(Der.oid(EC_PUBLIC_KEY), Der.oid(PRIME256V1)), Der.bits(P256.uncompressed(key)));
    }

    /** SEC1 ECPrivateKey: {@code SEQUENCE{1, OCTET STRING d(32), [0]{prime256v1}, [1]{BIT STRING 04‖X‖Y}}}. */
    public static byte[] ecPrivateKey(ECPrivateKey key, ECPublicKey pub) {
        return Der.seq(Der.smallInteger(1), Der.octets(P256.fixed32(key.getS())),
                Der.context(0, Der.oid(PRIME256V1)), Der.context(1, Der.bits(P256.uncompressed(pub))));
    }

    private static byte[] tbs(byte[] serial, byte[] subject, ECPublicKey subjectKey, byte[] extensions) {
        return Der.seq(
                Der.context(0, Der.smallInteger(2)),
                Der.unsignedInteger(serial),
                signatureAlgorithm(),
                name(ISSUER_COMMON_NAME),
                Der.seq(Der.utcTime(NOT_BEFORE), Der.utcTime(NOT_AFTER)),
                subject,
                subjectPublicKeyInfo(subjectKey),
                Der.context(3, extensions));
    }

    private static byte[] name(String commonName) {
        String[] values = {commonName, COUNTRY, ORGANIZATION};
        byte[][] rdns = new byte[3][];
        for (int i = 0; i < 3; i++) {
            rdns[i] = Der.set(Der.seq(Der.oid(OID_CN_C_O[i]), Der.utf8(values[i])));
        }
        return Der.seq(rdns);
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.seq(Der.oid(oid), Der.bool(true), Der.octets(value))
                : Der.seq(Der.oid(oid), Der.octets(value));
    }

    private static byte[] signatureAlgorithm() {
        return Der.seq(Der.oid(ECDSA_WITH_SHA256));
    }
}
