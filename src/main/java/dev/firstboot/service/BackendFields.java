package dev.firstboot.service;

import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigException;
import dev.firstboot.service.dps.DpsService;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The DPS fields that every backend kind and the standalone emulator's config share, read and checked one way:
 * {@code id-scope} and {@code retry-after}.
 */
public final class BackendFields {
    public static final String DEFAULT_ID_SCOPE = "0ne00FB0001";
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
    private static final Pattern ID_SCOPE = Pattern.compile("[A-Za-z0-9]{1,32}");

    private BackendFields() {
    }

    /** {@code id-scope}, when given: 1 to 32 letters and digits. */
    public static Optional<String> idScope(PartConfig config) throws RigException {
        Optional<String> idScope = config.optionalString("id-scope");
        if (idScope.isPresent() && !ID_SCOPE.matcher(idScope.get()).matches()) {
            throw config.error("id-scope", "expected an ID scope of 1 to 32 letters and digits like " + DEFAULT_ID_SCOPE
                    + ", got \"" + idScope.get() + "\"");
        }
        return idScope;
    }

    /** {@code retry-after}, when given: a duration in whole seconds, as DPS sends it, up to its maximum. */
    public static Optional<Duration> retryAfter(PartConfig config) throws RigException {
        if (!config.has("retry-after")) {
            return Optional.empty();
        }
        Duration r = config.duration("retry-after", DEFAULT_RETRY_AFTER);
        if (r.toMillis() % 1000 != 0 || r.toSeconds() > DpsService.MAX_RETRY_AFTER_SECONDS) {
            throw config.error("retry-after", "DPS sends retry-after in whole seconds from 0 to "
                    + DpsService.MAX_RETRY_AFTER_SECONDS + ", got " + r.toMillis() + " ms; try 0s or 1s");
        }
        return Optional.of(r);
    }
}
