package dev.firstboot.cli;

import dev.firstboot.service.dps.DpsService;

import java.nio.file.Path;

/**
 * HOOK for the enrollment seed file ({@code seed:} in the emulator config). The YAML seed loader comes with the
 * DPS enrollment store (branch dps-store); until it is merged a seed file is refused with a clear message rather than
 * silently ignored. Wire the loader in here: {@code load} is called once, after the stack started and before
 * {@code ready} is printed.
 */
final class EmulatorSeed {
    private EmulatorSeed() {
    }

    static void load(Path seed, DpsService dps) throws EmulatorConfig.Invalid {
        throw new EmulatorConfig.Invalid("this build has no enrollment seed loader yet (it comes with the DPS"
                + " enrollment store); remove 'seed: " + seed + "' from the config and enroll through the service API");
    }
}
