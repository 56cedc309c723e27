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

    /** How the scope is written into {@code sr} and into the signed string. */
    public enum ScopeEncoding {
        /** URL-encoded, as the C SDK does. */
        ENCODED,
        /** Verbatim, as the Java SDK does. */
        RAW
    }

    /** What a verification decided. Neither variant carries the key or the signature. */
    public sealed interface Verdict permits Accepted, Rejected {
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
        Optional<String> skn = Optional.ofNullable(fields.get("skn"));
        if (!acceptedKeyNames.contains(skn.orElse(""))) {
            return new Rejected("skn " + skn.map(s -> "\"" + s + "\"").orElse("(absent)") + " is not one of "
                    + acceptedKeyNames);
        }
        byte[] presented;
        try {
            presented = Base64.getDecoder().decode(URLDecoder.decode(fields.get("sig"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return new Rejected("sig is not URL-encoded base64");
        }
        Instant expiry = Instant.ofEpochSecond(se);
        byte[] expected = Kdfa.hmacSha256(key, stringToSign(sr, expiry));
        if (!MessageDigest.isEqual(expected, presented)) {
            return new Rejected("sig does not match HMAC-SHA256 over sr as written + \"\\n\" + se with the device key"
                    + " for " + expectedScope);
        }
        if (!now.isBefore(expiry)) {
            return new Rejected("the token expired at " + expiry + " (se=" + se + "), now is " + now);
        }
        return new Accepted(decodedScope, expiry, skn);
    }
}
