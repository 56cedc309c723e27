package dev.firstboot.device.hsm;

import java.util.List;
import java.util.Optional;

/**
 * The three interfaces of hsm_client_data.h a custom adapter can provide (hsm-adapter.md §2), with the getter that
 * returns each function table and its fields in declaration order.
 */
public enum AdapterType {
    X509("x509", "hsm_client_x509_interface", Optional.of("hsm_client_x509_init"),
            Optional.of("hsm_client_x509_deinit"),
            List.of("hsm_client_x509_create", "hsm_client_x509_destroy", "hsm_client_get_cert", "hsm_client_get_key",
                    "hsm_client_get_common_name")),
    TPM("tpm", "hsm_client_tpm_interface", Optional.of("hsm_client_tpm_init"), Optional.of("hsm_client_tpm_deinit"),
            List.of("hsm_client_tpm_create", "hsm_client_tpm_destroy", "hsm_client_activate_identity_key",
                    "hsm_client_get_ek", "hsm_client_get_srk", "hsm_client_sign_with_identity")),
    /** The SDK has no key-specific init; it calls initialize_hsm_system() when the adapter exports it. */
    SYMMETRIC_KEY("symmetric-key", "hsm_client_key_interface", Optional.of("initialize_hsm_system"),
            Optional.of("deinitialize_hsm_system"),
            List.of("hsm_client_key_create", "hsm_client_key_destroy", "hsm_client_get_symm_key",
                    "hsm_client_get_registration_name", "hsm_client_set_symm_key_info"));

    private final String configName;
    private final String interfaceGetter;
    private final Optional<String> init;
    private final Optional<String> deinit;
    private final List<String> fields;

    AdapterType(String configName, String interfaceGetter, Optional<String> init, Optional<String> deinit,
                List<String> fields) {
        this.configName = configName;
        this.interfaceGetter = interfaceGetter;
        this.init = init;
        this.deinit = deinit;
        this.fields = fields;
    }

    public String configName() {
        return configName;
    }

    public String interfaceGetter() {
        return interfaceGetter;
    }

    public Optional<String> init() {
        return init;
    }

    public Optional<String> deinit() {
        return deinit;
    }

    public List<String> fields() {
        return fields;
    }

    /** The position of a function in this type's table; an unknown name is a bug in the caller. */
    public int index(String field) {
        int i = fields.indexOf(field);
        if (i < 0) {
            throw new IllegalArgumentException(field + " is not a field of " + interfaceGetter + "()");
        }
        return i;
    }

    /** The type from its command-line name ({@code x509}, {@code tpm}, {@code symmetric-key}). */
    public static Optional<AdapterType> named(String name) {
        for (AdapterType t : values()) {
            if (t.configName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public static String names() {
        return "x509, tpm, symmetric-key";
    }
}
