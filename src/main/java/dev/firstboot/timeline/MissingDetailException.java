package dev.firstboot.timeline;

/**
 * A judge read a detail that the event does not carry. This is a defect in the harness (a producer stopped writing the
 * key, or a judge reads the wrong kind), never a verdict about the device: the check errors instead of passing.
 */
public final class MissingDetailException extends IllegalStateException {
    public MissingDetailException(String message) {
        super(message);
    }
}
