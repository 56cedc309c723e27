package dev.firstboot.identity.tpm;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * DPS and IoT Hub shared access signatures (dps.md §1.7):
 * {@code SharedAccessSignature sr={scope}&sig={urlenc(base64(HMAC-SHA256(key, sr + "\n" + se)))}&se={epoch s}[&skn={name}]}.
 * The HMAC covers {@code sr} exactly as it appears in the token, URL-encoded (C SDK) or raw (Java SDK).
 */
public final class SasTokens {
    private static final String PREFIX = "SharedAccessSignature ";
    /** The largest {@code se} taken (year 9999); one beyond what a time can hold is refused, never thrown on. */
    private static final long MAX_EXPIRY = 253402300799L;

    /** How the scope is written into {@code sr} and into the signed string. */
    public enum ScopeEncoding {
        /** URL-encoded, as the C SDK does. */
        ENCODED,
        /** Verbatim, as the Java SDK does. */
        RAW
    }

    /** What a verification decided. Neither variant carries the key or the signature. */
    public sealed interface Verdict permits Accepted, Rejected, Checked {
    }

    /** The token is well-formed, signed with the key, for the expected scope, not expired. */
    public record Accepted(String scope, Instant expiry, Optional<String> keyName) implements Verdict {
    }

    /** Why the token was refused, in words an operator can act on. */
    public record Rejected(String reason) implements Verdict {
    }

    private SasTokens() {
    }

    /** The value of {@code sr}: the scope, URL-encoded or not. */
    public static String resource(String scope, ScopeEncoding encoding) {
        return encoding == ScopeEncoding.ENCODED ? URLEncoder.encode(scope, StandardCharsets.UTF_8) : scope;
    }

    /** The bytes to sign: {@code sr + "\n" + se}, UTF-8. A TPM device hands these to its HMAC key. */
    public static byte[] stringToSign(String resource, Instant expiry) {
        return (resource + "\n" + expiry.getEpochSecond()).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Assembles a token from an HMAC computed elsewhere (e.g. inside a TPM) over {@link #stringToSign}.
     *
     * @param keyName the {@code skn} value; empty to leave {@code skn} out
     */
    public static String format(String resource, byte[] signature, Instant expiry, Optional<String> keyName) {
        StringBuilder sb = new StringBuilder(PREFIX).append("sr=").append(resource)
                .append("&sig=").append(URLEncoder.encode(Base64.getEncoder().encodeToString(signature),
                        StandardCharsets.UTF_8))
                .append("&se=").append(expiry.getEpochSecond());
        keyName.ifPresent(k -> sb.append("&skn=").append(k));
        return sb.toString();
    }

    /** Builds and signs a token with a key held in software. */
    public static String build(String scope, ScopeEncoding encoding, byte[] key, Instant expiry,
                               Optional<String> keyName) {
        String sr = resource(scope, encoding);
        return format(sr, Kdfa.hmacSha256(key, stringToSign(sr, expiry)), expiry, keyName);
    }

    /**
     * Verifies a token as the DPS emulator must (dps.md §1.7): {@code sr} may be URL-encoded or raw and is compared
     * URL-decoded and case-insensitively with {@code expectedScope}; the HMAC covers {@code sr} as written;
     * {@code skn} must be absent or one of {@code acceptedKeyNames} (an absent {@code skn} counts as the empty name);
     * the token is expired when {@code now} is at or after {@code se}.
     */
    public static Verdict verify(String token, String expectedScope, byte[] key, Set<String> acceptedKeyNames,
                                 Instant now) {
        Verdict form = check(token, expectedScope, acceptedKeyNames);
        if (!(form instanceof Checked c)) {
            return form;
        }
        byte[] expected = Kdfa.hmacSha256(key, stringToSign(c.sr, c.expiry));
        if (!MessageDigest.isEqual(expected, c.signature)) {
            return new Rejected("sig does not match HMAC-SHA256 over sr as written + \"\\n\" + se with the device key"
                    + " for " + expectedScope);
        }
        if (!now.isBefore(c.expiry)) {
            return new Rejected("the token expired at " + c.expiry + " (se=" + c.expiry.getEpochSecond() + "), now is "
                    + now);
        }
        return new Accepted(c.scope, c.expiry, c.keyName);
    }

    /**
     * Why {@code token} could not be accepted for {@code expectedScope} whatever the key (its form, scope, skn, or
     * expiry), or empty when only the signature is left to check: what a server can judge before it knows the key.
     */
    public static Optional<String> problemWithoutKey(String token, String expectedScope, Set<String> acceptedKeyNames,
                                                     Instant now) {
        Verdict form = check(token, expectedScope, acceptedKeyNames);
        if (form instanceof Rejected r) {
            return Optional.of(r.reason());
        }
        Checked c = (Checked) form;
        return now.isBefore(c.expiry) ? Optional.empty()
                : Optional.of("the token expired at " + c.expiry + " (se=" + c.expiry.getEpochSecond() + ")");
    }

    /** A token whose form, scope and skn are right; its signature is yet to be compared. Never leaves this class. */
    private record Checked(String sr, String scope, Instant expiry, Optional<String> keyName, byte[] signature)
            implements Verdict {
    }

    private static Verdict check(String token, String expectedScope, Set<String> acceptedKeyNames) {
        if (token == null || !token.startsWith(PREFIX)) {
            return new Rejected("the token does not start with \"" + PREFIX.trim() + " \"");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : token.substring(PREFIX.length()).split("&", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                return new Rejected("the token has a field without a name=value form (fields seen: "
                        + fields.keySet() + ")");
            }
            String name = part.substring(0, eq);
            if (fields.putIfAbsent(name, part.substring(eq + 1)) != null) {
                return new Rejected("the token repeats the field " + name);
            }
        }
        for (String required : new String[]{"sr", "sig", "se"}) {
            if (!fields.containsKey(required)) {
                return new Rejected("the token lacks the field " + required + " (fields seen: " + fields.keySet()
                        + ")");
            }
        }
        String sr = fields.get("sr");
        String decodedScope;
        try {
            decodedScope = URLDecoder.decode(sr, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new Rejected("sr is not valid URL encoding: " + sr);
        }
        if (!decodedScope.equalsIgnoreCase(expectedScope)) {
            return new Rejected("sr names " + decodedScope + ", expected " + expectedScope);
        }
        long se;
        try {
            se = Long.parseLong(fields.get("se"));
        } catch (NumberFormatException e) {
            return new Rejected("se is not a number of seconds since the epoch: " + fields.get("se"));
        }
        if (se < 0 || se > MAX_EXPIRY) {
            return new Rejected("se is outside 0.." + MAX_EXPIRY + " seconds since the epoch: " + se);
        }
        Optional<String> skn = Optional.ofNullable(fields.get("skn"));
        if (!acceptedKeyNames.contains(skn.orElse(""))) {
            return new Rejected("skn " + skn.map(x -> "\"" + x + "\"").orElse("(absent)") + " is not one of "
                    + acceptedKeyNames);
        }
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(URLDecoder.decode(fields.get("sig"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return new Rejected("sig is not URL-encoded base64");
        }
        return new Checked(sr, decodedScope, Instant.ofEpochSecond(se), skn, presented);
    }
}
