package dev.firstboot.timeline;

/**
 * A failure that is a wait running out of time, and when the wait ran, on the timeline's clock
 * ({@link System#nanoTime()}): a judge asks the {@link HostLagProbe} whether the host was too loaded to time it.
 */
public interface DeadlinePassed {
    long waitedFromNanoTime();

    long waitedToNanoTime();
}
