package dev.firstboot.device.hsm;

import dev.firstboot.identity.tpm.TpmRegistrationIds;
import dev.firstboot.pki.Certificates;
import dev.firstboot.secret.Redactor;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The identity an adapter holds, read the way the SDK reads it (prov_auth_client.c) from a fresh handle. Outcomes per
 * adapter type; every secret it reads is registered with the redactor before anything can print it.
 */
public sealed interface AdapterIdentity {
    String registrationId();

    record X509(String registrationId, List<X509Certificate> chain, PrivateKey key) implements AdapterIdentity {
        public X509 {
            chain = List.copyOf(chain);
        }

        public X509Certificate leaf() {
            return chain.get(0);
        }

        @Override
        public String toString() {
            return "X509[" + registrationId + ", " + chain.size() + " certificate(s), key «masked»]";
        }
    }

    record Tpm(String registrationId, byte[] endorsementKey, byte[] storageRootKey) implements AdapterIdentity {
        public Tpm {
            endorsementKey = endorsementKey.clone();
            storageRootKey = storageRootKey.clone();
        }

        @Override
        public byte[] endorsementKey() {
            return endorsementKey.clone();
        }

        @Override
        public byte[] storageRootKey() {
            return storageRootKey.clone();
        }
    }

    record SymmetricKey(String registrationId, byte[] key) implements AdapterIdentity {
        public SymmetricKey {
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        @Override
        public String toString() {
            return "SymmetricKey[" + registrationId + ", key «masked»]";
        }
    }

    /** Reads the identity through a new handle, which it destroys again. */
    static AdapterIdentity read(HsmAdapter adapter, Redactor redactor) throws AdapterFailure, AdapterCheckException {
        HsmAdapter.Handle h = adapter.create();
        if (h.isNull()) {
            throw new AdapterCheckException(adapter.type().fields().get(0) + "() returned NULL");
        }
        try {
            switch (adapter.type()) {
                case X509 -> {
                    String key = required(adapter.string("hsm_client_get_key", h), "hsm_client_get_key");
                    redactor.register(key);
                    java.security.PrivateKey privateKey = AdapterPem.privateKey(key);
                    redactor.registerPrivateKey(key, privateKey);
                    String cert = required(adapter.string("hsm_client_get_cert", h), "hsm_client_get_cert");
                    String cn = required(adapter.string("hsm_client_get_common_name", h), "hsm_client_get_common_name");
                    return new X509(cn, AdapterPem.certificates(cert), privateKey);
                }
                case TPM -> {
                    byte[] ek = buffer(adapter.output("hsm_client_get_ek", h, false, false), "hsm_client_get_ek");
                    byte[] srk = buffer(adapter.output("hsm_client_get_srk", h, false, false), "hsm_client_get_srk");
                    return new Tpm(TpmRegistrationIds.fromEndorsementKey(ek), ek, srk);
                }
                case SYMMETRIC_KEY -> {
                    String b64 = required(adapter.string("hsm_client_get_symm_key", h), "hsm_client_get_symm_key");
                    redactor.register(b64);
                    String name = required(adapter.string("hsm_client_get_registration_name", h),
                            "hsm_client_get_registration_name");
                    byte[] key;
                    try {
                        key = Base64.getDecoder().decode(b64.strip());
                    } catch (IllegalArgumentException e) {
                        throw new AdapterCheckException("hsm_client_get_symm_key returned " + b64.length()
                                + " characters that are not base64; the SDK base64-decodes the key before it signs");
                    }
                    return new SymmetricKey(name, key);
                }
                default -> throw new IllegalStateException("unknown adapter type " + adapter.type());
            }
        } finally {
            adapter.destroy(h);
        }
    }

    private static String required(Optional<String> value, String function) throws AdapterCheckException {
        return value.orElseThrow(() -> new AdapterCheckException(function + "() returned NULL on a valid handle"));
    }

    private static byte[] buffer(HsmAdapter.Output out, String function) throws AdapterCheckException {
        if (out.returned() != 0) {
            throw new AdapterCheckException(function + "() returned " + out.returned() + " on a valid handle; "
                    + "expected 0 and the key");
        }
        return out.data().orElseThrow(() -> new AdapterCheckException(function + "() returned 0 but left the key "
                + "pointer NULL"));
    }

    /** The certificate's subject CN, for messages. */
    static String commonName(X509Certificate c) {
        return Certificates.commonName(c).orElse("(no CN)");
    }
}
