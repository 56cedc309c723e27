package dev.firstboot.device.tpm;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** Ways the TPM simulator device can be wrong on purpose (never the harness), so each TPM check can be seen to fail. */
public enum TpmDefect {
    /** Derives the registration id from the EK's TPMT_PUBLIC without its 2-byte size prefix. */
    REGISTRATION_ID_WITHOUT_SIZE_PREFIX("registration-id-without-size-prefix"),
    /** Keeps asking for fresh challenges when activation fails, far past any sane bound. */
    ENDLESS_ACTIVATION_RETRIES("endless-activation-retries"),
    /** Takes {@link #SLOW_ACTIVATION_DELAY} longer to activate DPS's challenge. */
    SLOW_ACTIVATION("slow-activation"),
    /** Ignores the hub key that comes with the assignment and signs its hub SAS with the challenge's key. */
    NO_HUB_KEY_ACTIVATION("no-hub-key-activation"),
    /** Signs its DPS SAS with a key of its own, not the one it activated from the challenge. */
    WRONG_SAS_KEY("wrong-sas-key"),
    /** Polls the registration status at once instead of waiting as retry-after asks. */
    IGNORES_RETRY_AFTER("ignores-retry-after");

    public static final Duration SLOW_ACTIVATION_DELAY = Duration.ofSeconds(4);
    static final int ENDLESS = 12;

    private final String configName;

    TpmDefect(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<TpmDefect> named(String name) {
        return Arrays.stream(values()).filter(d -> d.configName.equals(name)).findFirst();
    }

    public static String names() {
        return Arrays.stream(values()).map(TpmDefect::configName).collect(Collectors.joining(", "));
    }
}
