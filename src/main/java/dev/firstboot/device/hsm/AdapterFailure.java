package dev.firstboot.device.hsm;

/**
 * A call into the vendor's adapter did not return normally: the host crashed, exited, hung past its deadline, or the
 * library lacks what was asked. The message names the C function, the reason and what the adapter printed; it never
 * holds a value the adapter returned.
 */
public final class AdapterFailure extends Exception {
    private final boolean hostEnded;

    AdapterFailure(String message, boolean hostEnded) {
        super(message);
        this.hostEnded = hostEnded;
    }

    /** Whether the adapter host is gone (crash, exit, killed on a deadline); the next call starts a new one. */
    public boolean hostEnded() {
        return hostEnded;
    }
}
