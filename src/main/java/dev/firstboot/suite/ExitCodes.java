package dev.firstboot.suite;

/** firstboot's exit codes, shared by every command and documented in the README. */
public final class ExitCodes {
    /** Every selected, applicable scenario passed (and at least one ran). */
    public static final int PASSED = 0;
    /** A scenario failed, or some were not run (--fail-fast). */
    public static final int FAILED = 1;
    /** Bad usage or bad input: a malformed rig file, a missing feature folder, an invalid option. */
    public static final int USAGE = 2;
    /** Nothing applicable ran: every selected scenario needs something this rig lacks, or none was selected. */
    public static final int NOTHING_RAN = 3;
    /**
     * Infrastructure, not the device: the run could not start its rig (emulator ports, a missing tool), or no scenario
     * failed but some were inconclusive because the host was overloaded while they were timed.
     */
    public static final int RIG_ERROR = 4;
    /** Interrupted (Ctrl-C); finished results are kept. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
