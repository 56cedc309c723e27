package dev.firstboot.steps;

import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.SerialConsoleFacet;
import dev.firstboot.suite.TimeLimits;
import dev.firstboot.timeline.DeadlinePassed;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The time limits steps judge, through {@link TimeLimits}: a wait that runs out while the host is overloaded gets back
 * the time the host took, and what arrives only then is inconclusive, not the device's failure.
 */
final class Limits {
    private Limits() {
    }

    /** {@link TimeLimits#within} on the run's host-lag probe. */
    static <T, E extends Exception> T within(World world, Duration deadline, TimeLimits.Wait<T, E> wait,
                                             Predicate<T> arrived, String what) throws E, InterruptedException {
        return TimeLimits.within(world.run().hostLag(), deadline, wait, arrived, what);
    }

    /**
     * A console line matching {@code pattern} ({@code what}, for an inconclusive verdict) within {@code deadline}; on
     * a timeout, the console's own message.
     */
    static String expectLine(World world, SerialConsoleFacet console, Pattern pattern, Duration deadline, String what)
            throws DeviceException, InterruptedException {
        DeviceException[] timedOut = new DeviceException[1];
        Optional<String> line = within(world, deadline, left -> {
            try {
                return Optional.of(console.expectLine(pattern, left));
            } catch (DeviceException e) {
                if (!ranOut(e)) {
                    throw e;
                }
                if (timedOut[0] == null) {
                    timedOut[0] = e;
                }
                return Optional.empty();
            }
        }, Optional::isPresent, what);
        if (line.isEmpty()) {
            throw timedOut[0];
        }
        return line.get();
    }

    private static boolean ranOut(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DeadlinePassed) {
                return true;
            }
        }
        return false;
    }
}
