package dev.firstboot.device.program;

import dev.firstboot.rig.BootReport;

import java.time.Duration;

/** How one boot of a program ended: set once (by the program's own line, or by the harness), awaited with a deadline. */
final class ProgramBootVerdict {
    private BootReport report;

    /** Sets the verdict unless one is set already; true when this call set it. */
    synchronized boolean settle(BootReport r) {
        if (report != null) {
            return false;
        }
        report = r;
        notifyAll();
        return true;
    }

    synchronized boolean settled() {
        return report != null;
    }

    synchronized BootReport await(Duration deadline, String waitingFor) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (report == null) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return new BootReport.NoVerdict(waitingFor);
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return report;
    }
}
