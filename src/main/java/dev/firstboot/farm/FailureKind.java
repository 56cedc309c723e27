package dev.firstboot.farm;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Whether a failed scenario failed because of the rig (serial port gone, a control command failing, the board's run
 * crashing or hanging) or because of the device. Only rig failures are retried, as LAVA retries only
 * InfrastructureError: retrying a device failure would hide a flaky device.
 */
enum FailureKind {
    DEVICE,
    RIG;

    /** What the harness says when the rig, not the device, is at fault; each comes from one place in the sources. */
    private static final List<Pattern> RIG_SIGNS = List.of(
            // ExpectConsole: the serial link ended
            Pattern.compile("the serial port (closed|stopped answering)"),
            Pattern.compile("cannot send to \\S+: the serial port closed"),
            // DevKitOnSerial: the serial link dropped the start of a boot's output (an adapter re-enumerating)
            Pattern.compile("the start of the board's boot output was lost on the wire"),
            // CommandControls: a reset / button / power command
            Pattern.compile("the [a-z-]+ command `.*` (failed with exit code|did not finish within)"),
            Pattern.compile("cannot run the [a-z-]+ command `"),
            // the board's run itself
            Pattern.compile("could not start"),
            Pattern.compile("^not run: the run was interrupted"),
            Pattern.compile("^rig failure: "));

    static FailureKind of(String message) {
        for (Pattern p : RIG_SIGNS) {
            if (p.matcher(message).find()) {
                return RIG;
            }
        }
        return DEVICE;
    }
}
