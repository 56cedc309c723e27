package dev.firstboot.service.dps;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The DPS rules for a registration id (dps.md §4, hsm-adapter.md §6): 1 to 128 characters from
 * {@code A-Z a-z 0-9 - . _ :}, compared case-insensitively, the last one alphanumeric or {@code -}. Enrollment group
 * ids follow the same rules.
 */
public final class RegistrationIds {
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9.\\-_:]*[A-Za-z0-9\\-]");

    private RegistrationIds() {
    }

    /** Why {@code id} is not a valid registration id, or empty when it is one. Never echoes an over-long id whole. */
    public static Optional<String> problem(String what, String id) {
        if (id.isEmpty()) {
            return Optional.of(what + " is empty; give 1 to " + MAX_LENGTH + " characters");
        }
        if (id.length() > MAX_LENGTH) {
            return Optional.of(what + " is " + id.length() + " characters long; DPS allows at most " + MAX_LENGTH);
        }
        if (!VALID.matcher(id).matches()) {
            return Optional.of(what + " '" + id + "' is not valid: use only letters, digits and - . _ :, and end"
                    + " with a letter, a digit or -");
        }
        return Optional.empty();
    }

    public static boolean isValid(String id) {
        return problem("id", id).isEmpty();
    }
}
