package dev.firstboot.service.hub;

/** How a device proves itself to a hub: its X.509 certificate (self-signed, by thumbprint) or a SAS from a key. */
public sealed interface DeviceCredential {
    /** X.509 self-signed: the SHA-256 thumbprint of the leaf DPS registered. */
    record Thumbprint(String sha256) implements DeviceCredential {
    }

    /** Symmetric key (also the key a TPM imported): the device signs SAS tokens with it. Never printed. */
    final class SymmetricKey implements DeviceCredential {
        private final byte[] key;

        public SymmetricKey(byte[] key) {
            this.key = key.clone();
        }

        public byte[] key() {
            return key.clone();
        }

        @Override
        public String toString() {
            return "SymmetricKey[«masked»]";
        }
    }
}
