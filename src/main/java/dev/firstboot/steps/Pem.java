package dev.firstboot.steps;

import java.util.Base64;

/** Certificates as PEM for report attachments (wrapped at 64, unlike the DevKit's single-line form). */
final class Pem {
    private Pem() {
    }

    static String certificate(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(der)
                + "\n-----END CERTIFICATE-----\n";
    }
}
