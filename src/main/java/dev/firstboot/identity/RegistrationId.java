package dev.firstboot.identity;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The DPS rules for a registration id (dps.md §4, hsm-adapter.md §6): 1 to 128 characters from
 * {@code A-Z a-z 0-9 - . _ :}, compared case-insensitively, the last one alphanumeric or {@code -}. Enrollment group
 * ids follow the same rules. The one home of the rule: the emulators, the HSM contract and the rig files call it; the
 * DevKit firmware's stricter rule ({@code dice.RegistrationIds}) narrows it.
 */
public final class RegistrationId {
    public static final int MAX_LENGTH = 128;
    /** With X.509 the id is the leaf's common name, which holds at most 64 characters. */
    public static final int MAX_X509_LENGTH = 64;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9.\\-_:]*[A-Za-z0-9\\-]");

    private RegistrationId() {
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

    /** {@link #problem}, and for an X.509 device also the common name's limit. */
    public static Optional<String> problem(String what, String id, boolean x509) {
        Optional<String> problem = problem(what, id);
        if (problem.isEmpty() && x509 && id.length() > MAX_X509_LENGTH) {
            return Optional.of(what + " is " + id.length() + " characters long; with X.509 it is the certificate's "
                    + "common name, which DPS allows at most " + MAX_X509_LENGTH + " characters");
        }
        return problem;
    }

    public static boolean isValid(String id) {
        return problem("id", id).isEmpty();
    }

    /** The form two ids that DPS takes for the same are stored and looked up under. */
    public static String key(String id) {
        return id.toLowerCase(Locale.ROOT);
    }

    /** Whether DPS takes {@code a} and {@code b} for the same registration id. */
    public static boolean same(String a, String b) {
        return key(a).equals(key(b));
    }
}
