package dev.firstboot.device.dice;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Ways a DICE device can be wrong, switched on in the device's rig section ({@code defects: [...]}). Each one exists
 * to prove that a check in the features can fail: the harness itself is never told which defect is on.
 */
public enum DiceDefect {
    /** The alias certificate carries a serial number other than the firmware's. */
    WRONG_SERIAL("wrong-serial"),
    /** The alias certificate's subject CN is not the registration id the device registers with. */
    CN_DIFFERS_FROM_REGISTRATION_ID("cn-differs-from-registration-id"),
    /** The device polls DPS at once instead of waiting as retry-after asks. */
    IGNORES_RETRY_AFTER("ignores-retry-after"),
    /** The device takes longer from reset to its first DPS request than a DevKit does ({@code slow-boot-delay}). */
    SLOW_BOOT("slow-boot"),
    /** The device connects to its hub but never sends its first telemetry message. */
    NO_TELEMETRY("no-telemetry"),
    /** Refused by DPS, the device connects to a hub it knows of anyway. */
    CONNECTS_AFTER_REFUSAL("connects-after-refusal"),
    /** The device keeps retrying DPS and its hub after its registration budget is spent, never giving up. */
    RETRIES_FOREVER("retries-forever"),
    /** The device retries a failed request (5xx, dropped connection, unavailable hub) at once, without backing off. */
    NO_BACKOFF("no-backoff"),
    /** The device trusts a server certificate whose validity period has ended. */
    ACCEPTS_EXPIRED_CERTIFICATE("accepts-expired-certificate"),
    /** When its boot fails, the device prints its alias private key (the scalar d, in hex) for debugging. */
    DUMPS_ALIAS_KEY_ON_FAILURE("dumps-alias-key-on-failure");

    private final String configName;

    DiceDefect(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<DiceDefect> named(String name) {
        return Arrays.stream(values()).filter(d -> d.configName.equals(name)).findFirst();
    }

    public static String names() {
        return Arrays.stream(values()).map(DiceDefect::configName).collect(Collectors.joining(", "));
    }
}
