package dev.firstboot.rig;

/**
 * A device that brings its own identity (a certificate it was made with, a key baked into it), declared in the rig
 * file; the harness enrolls it as declared and never changes it.
 */
public interface OwnIdentityFacet {
    /** The registration id the device registers with. */
    String registrationId();

    /** What the harness enrolls for it. */
    Credential credential();

    /** The enrollment material of a device's own identity. */
    sealed interface Credential {
        /** An X.509 device: its leaf certificate (DER), enrolled by thumbprint. */
        record Certificate(byte[] leafDer) implements Credential {
        }

        /** A symmetric-key device: its key. A secret: the harness registers it with the redactor. */
        record SymmetricKey(byte[] key) implements Credential {
            @Override
            public String toString() {
                return "SymmetricKey[«masked»]";
            }
        }
    }
}
