package dev.firstboot.steps;

import dev.firstboot.rig.DeviceException;
import dev.firstboot.suite.TimeLimits;

/**
 * The time limits steps judge. A limit missed while the host was overloaded is inconclusive, not the device's
 * failure ({@link TimeLimits}); each step still words its own failure.
 */
final class Limits {
    private Limits() {
    }

    /** A device call that waits, on its console for instance. */
    interface Waiting<T> {
        T call() throws DeviceException;
    }

    /** A device call that waits and gives nothing back. */
    interface WaitingRun {
        void run() throws DeviceException;
    }

    /** The failure of a wait that began at {@code sinceNanoTime} and ran out now, for the step to throw. */
    static AssertionError missed(World world, long sinceNanoTime, String failure) {
        return missed(world, sinceNanoTime, System.nanoTime(), failure);
    }

    /** The failure of a limit on what happened from {@code fromNanoTime} to {@code toNanoTime}. */
    static AssertionError missed(World world, long fromNanoTime, long toNanoTime, String failure) {
        return TimeLimits.judged(world.run().hostLag(), new AssertionError(failure), fromNanoTime, toNanoTime);
    }

    /** Runs a device call whose own deadline may run out; it running out on an overloaded host is inconclusive. */
    static <T> T waiting(World world, Waiting<T> call) throws DeviceException {
        try {
            return call.call();
        } catch (DeviceException e) {
            throw TimeLimits.judged(world.run().hostLag(), e);
        }
    }

    static void waitingFor(World world, WaitingRun call) throws DeviceException {
        waiting(world, () -> {
            call.run();
            return null;
        });
    }
}
