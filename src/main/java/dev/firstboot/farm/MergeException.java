package dev.firstboot.farm;

/** Reports that cannot be merged: corrupt, not farm reports, or in conflict. The message says which and what to do. */
public final class MergeException extends Exception {
    public MergeException(String message) {
        super(message);
    }
}
