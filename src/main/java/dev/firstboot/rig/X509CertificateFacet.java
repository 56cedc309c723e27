package dev.firstboot.rig;

import dev.firstboot.pki.KeyMaterial;

/**
 * A device that takes the X.509 identity the harness issues it for a scenario: a private key and its certificate
 * chain, leaf first, with the registration id as the leaf's common name. What is set here holds for the current
 * scenario only.
 */
public interface X509CertificateFacet {
    /** The registration id the device will register with (the CN the harness issues its certificate for). */
    String registrationId();

    /** The device registers as {@code registrationId} from now on. */
    void useRegistrationId(String registrationId);

    /** The device presents {@code identity} (key, and chain leaf first) to DPS and its hub. */
    void provisionCertificate(KeyMaterial identity);
}
