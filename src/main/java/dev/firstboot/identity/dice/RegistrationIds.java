package dev.firstboot.identity.dice;

import dev.firstboot.identity.RegistrationId;
import dev.firstboot.identity.IdentityException;

import java.util.regex.Pattern;

/**
 * DPS registration ids as the DevKit firmware makes and checks them: the firmware's rule ({@code [a-z0-9-]}) is
 * narrower than DPS's ({@link RegistrationId}).
 */
public final class RegistrationIds {
    /** The firmware's and DPS's limit for a registration id. */
    public static final int MAX_LENGTH = RegistrationId.MAX_LENGTH;
    /** The longest id the certificate encoder can write ({@code DERAddUTF8String} needs fewer than 127 chars). */
    public static final int MAX_ENCODABLE_LENGTH = 126;
    /** DPS limit for X.509 registration ids, also the X.509 upper bound of a common name. */
    public static final int DPS_X509_LIMIT = RegistrationId.MAX_X509_LENGTH;
    /** The firmware formats the automatic id into a 32-byte buffer. */
    static final int MAX_AUTOMATIC_LENGTH = 31;

    private static final Pattern MAC = Pattern.compile("[0-9a-f]{12}");
    private static final Pattern FIRMWARE_VERSION = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+");

    private RegistrationIds() {
    }

    /**
     * The id the firmware generates when none is configured: {@code az-<mac>v<x>v<y>v<z>}.
     *
     * @param mac             12 lowercase hex digits, no separators (as the board prints it)
     * @param firmwareVersion {@code num.num.num}, e.g. {@code 2.0.0}
     */
    public static String automatic(String mac, String firmwareVersion) throws IdentityException {
        if (mac == null || !MAC.matcher(mac).matches()) {
            throw new IdentityException("The MAC address must be 12 lowercase hex digits without separators (as the "
                    + "DevKit prints it, e.g. a0b1c2d3e4f5), but got '" + mac + "'.");
        }
        if (firmwareVersion == null || !FIRMWARE_VERSION.matcher(firmwareVersion).matches()) {
            throw new IdentityException("The firmware version must be three numbers separated by dots (e.g. 2.0.0), "
                    + "but got '" + firmwareVersion + "'.");
        }
        String id = "az-" + mac + "v" + firmwareVersion.replace('.', 'v');
        if (id.length() > MAX_AUTOMATIC_LENGTH) {
            throw new IdentityException("The automatic registration id '" + id + "' would be " + id.length()
                    + " characters, but the firmware builds it in a 32-byte buffer (at most " + MAX_AUTOMATIC_LENGTH
                    + "); use a shorter firmware version.");
        }
        return id;
    }

    /** Accepts ids the firmware accepts and a certificate can hold: {@code [a-z0-9-]}, 1 to 126 characters. */
    public static void requireValidForCertificate(String id) throws IdentityException {
        if (id == null || id.isEmpty()) {
            throw new IdentityException("The registration id is empty; it becomes the certificate's subject common "
                    + "name and must be 1 to " + MAX_ENCODABLE_LENGTH + " characters from [a-z0-9-].");
        }
        if (id.length() > MAX_LENGTH) {
            throw new IdentityException("The registration id is " + id.length() + " characters; DPS and the DevKit "
                    + "firmware allow at most " + MAX_LENGTH + ".");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                throw new IdentityException("The registration id may contain only lowercase letters, digits and '-' "
                        + "(the DevKit firmware's rule), but character " + (i + 1) + " is '" + c + "' (U+"
                        + String.format("%04X", (int) c) + ") in '" + id + "'.");
            }
        }
        if (id.length() > MAX_ENCODABLE_LENGTH) {
            throw new IdentityException("The registration id is " + id.length() + " characters: DPS allows it, but "
                    + "the DevKit's certificate encoder cannot write a common name of 127 or more characters (the "
                    + "firmware would present no certificate and dps_cert_gen writes an empty file). Use at most "
                    + MAX_ENCODABLE_LENGTH + " characters, and at most " + DPS_X509_LIMIT + " for X.509 enrollments.");
        }
    }

    /** True for ids over 64 characters: a certificate can still be made, but DPS will reject the X.509 registration. */
    public static boolean exceedsDpsX509Limit(String id) {
        return id.length() > DPS_X509_LIMIT;
    }
}
