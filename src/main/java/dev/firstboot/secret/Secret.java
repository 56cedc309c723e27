package dev.firstboot.secret;

import java.util.Objects;

/** A secret string (UDS, key, token) whose {@code toString()} never shows it. */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The secret itself. Callers must not log or report what this returns. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return Redactor.MASK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
