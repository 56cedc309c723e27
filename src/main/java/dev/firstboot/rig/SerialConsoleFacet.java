package dev.firstboot.rig;

import dev.firstboot.secret.Secret;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A board whose console the harness can type into and read, line by line, as a person at a terminal would (the
 * DevKit's configuration console). Every wait has a deadline; a miss says what the console printed instead.
 */
public interface SerialConsoleFacet {
    /** Holds button A through a reset, waits for the configuration console's prompt, then releases A. */
    void enterConfigurationMode() throws DeviceException;

    /** Resets with no button held, so the board boots in user mode; does not wait for the boot's outcome. */
    void resetIntoUserMode() throws DeviceException;

    /** Switches the board off and on again (no button held); does not wait for the boot's outcome. */
    void powerCycle() throws DeviceException;

    /**
     * Whether a scenario may flash the board's DPS sketch with another registration id (a virtual board can; a
     * physical board runs what it was flashed with).
     */
    boolean canReflash();

    /** Types a line (CR-terminated, as a terminal sends it). */
    void sendLine(String line) throws DeviceException;

    /**
     * Types {@code prefix}, the secret, {@code suffix}, then CR; the secret is registered for masking before it is
     * sent.
     */
    void sendLineWithSecret(String prefix, Secret secret, String suffix) throws DeviceException;

    /** The next console line (or partial line, for prompts) matching {@code pattern}, already masked. */
    String expectLine(Pattern pattern, Duration deadline) throws DeviceException;
}
