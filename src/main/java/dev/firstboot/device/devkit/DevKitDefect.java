package dev.firstboot.device.devkit;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Ways a virtual DevKit can be wrong on purpose, switched on at the device (never in the harness), so every check the
 * harness makes about a DevKit can be seen to fail.
 */
public enum DevKitDefect {
    /** The console echoes the characters of {@code set_dps_uds} instead of {@code *}, leaking the secret. */
    UDS_ECHO_VISIBLE("uds-echo-visible"),
    /** {@code help} (also printed on entering configuration mode) ends with the stored UDS in clear. */
    UDS_IN_HELP("uds-in-help"),
    /** {@code set_dps_uds} logs the UDS it writes in clear before it acknowledges it. */
    UDS_IN_COMMAND_LOG("uds-in-command-log"),
    /** {@code set_dps_uds} logs the first {@link #UDS_PREFIX_CHARS} characters of the UDS it writes. */
    UDS_PREFIX_LEAK("uds-prefix-leak"),
    /** A 2.0.0 build without the {@code strlen+1} quirk: a correct UDS gets no {@code Invalid UDS.} line. */
    NO_INVALID_UDS_QUIRK("no-invalid-uds-quirk"),
    /** The alias certificate is derived for another CN than the registration id the device registers with. */
    WRONG_REGISTRATION_ID("wrong-registration-id"),
    /** The boot banner names another board. */
    WRONG_BANNER("wrong-banner"),
    /** The UDS lives only in RAM: it is gone after a power cycle. */
    UDS_NOT_PERSISTED("uds-not-persisted"),
    /** The firmware measures with standard SHA-256 where the DevKit uses its own DICE hash, so its certificate differs. */
    STANDARD_SHA256_MEASUREMENT("standard-sha256-measurement"),
    /** The board takes {@link #SLOW_REGISTRATION_DELAY} longer than it should before its first DPS request. */
    SLOW_REGISTRATION("slow-registration"),
    /** The firmware never prints {@code Registration Information received from service: <hub>!}. */
    NO_HUB_LINE("no-hub-line"),
    /** The firmware never prints {@code registration failed!} when DPS refuses it. */
    NO_FAILURE_LINE("no-failure-line"),
    /** When its registration fails, the firmware dumps the DICE alias private key it derived, in hex, as debug help. */
    ALIAS_KEY_ON_FAILURE("alias-key-on-failure");

    /** How much of its UDS a uds-prefix-leak board prints: half of it, 128 bits. */
    public static final int UDS_PREFIX_CHARS = 32;

    /** How much later a slow-registration board sends its first DPS request. */
    public static final java.time.Duration SLOW_REGISTRATION_DELAY = java.time.Duration.ofSeconds(6);

    private final String configName;

    DevKitDefect(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Optional<DevKitDefect> named(String name) {
        return Arrays.stream(values()).filter(d -> d.configName.equals(name)).findFirst();
    }

    /** The config names, comma separated, for error messages and help. */
    public static String names() {
        return Arrays.stream(values()).map(DevKitDefect::configName).collect(Collectors.joining(", "));
    }
}
