package dev.firstboot.device.serial;

import dev.firstboot.timeline.DeadlinePassed;

/** No console line matched within the deadline; the wait ran from {@code fromNanoTime} to {@code toNanoTime}. */
public final class ExpectTimeoutException extends ConsoleException implements DeadlinePassed {
    private final long fromNanoTime;
    private final long toNanoTime;

    public ExpectTimeoutException(String message, long fromNanoTime, long toNanoTime) {
        super(message);
        this.fromNanoTime = fromNanoTime;
        this.toNanoTime = toNanoTime;
    }

    @Override
    public long waitedFromNanoTime() {
        return fromNanoTime;
    }

    @Override
    public long waitedToNanoTime() {
        return toNanoTime;
    }
}
