package dev.firstboot.device.symkey;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Ways the symmetric-key device can be wrong on purpose (never the harness), so each check can be seen to fail. */
public enum SymmetricKeyDefect {
    /** Signs with the enrollment group's key itself instead of the key derived from it and the registration id. */
    RAW_GROUP_KEY("raw-group-key"),
    /** Signs its hub SAS with {@code skn=registration}, which a hub does not take for a device key. */
    HUB_SAS_WITH_KEY_NAME("hub-sas-with-key-name"),
    /** A device of an enrollment group prints the key it derived from the group key, in hex, before it registers. */
    PRINTS_DERIVED_KEY("prints-derived-key"),
    /**
     * A device of an enrollment group prints the signature of each DPS SAS it signs (base64, without {@code sig=}),
     * before it sends it.
     */
    PRINTS_SAS_SIGNATURE("prints-sas-signature");

    private final String configName;

    SymmetricKeyDefect(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<SymmetricKeyDefect> named(String name) {
        return Arrays.stream(values()).filter(d -> d.configName.equals(name)).findFirst();
    }

    public static String names() {
        return Arrays.stream(values()).map(SymmetricKeyDefect::configName).collect(Collectors.joining(", "));
    }
}
