package dev.firstboot.service.dps.admin;

import dev.firstboot.identity.tpm.SasTokens;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The service API's shared access policies and their SAS tokens (dps.md §7.4):
 * {@code SharedAccessSignature sr=<host>&sig=<urlenc(b64(HMAC-SHA256(key, sr + "\n" + se)))>&skn=<policy>&se=<s>}.
 * Fields are accepted in any order; {@code sr} may be URL-encoded or not and is compared case-insensitively with the
 * service's host names (the Java service SDK lower-cases and URL-encodes it, the Node one does neither).
 */
public final class ServiceSas {
    /** The real service's owner policy. */
    public static final String OWNER_POLICY = "provisioningserviceowner";
    private static final String PREFIX = "SharedAccessSignature ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Set<String> hostNames;
    private final Map<String, Policy> policies;

    /** A named policy key. Its {@code toString} never shows the key. */
    public record Policy(String name, byte[] key) {
        public Policy {
            if (name == null || name.isBlank() || name.contains("&") || name.contains(";")) {
                throw new IllegalArgumentException("a policy name must be non-empty text without '&' or ';', was '"
                        + name + "'");
            }
            if (key == null || key.length < 16) {
                throw new IllegalArgumentException("the key of policy '" + name + "' must be at least 16 bytes");
            }
            key = key.clone();
        }

        @Override
        public byte[] key() {
            return key.clone();
        }

        /** A policy with a fresh random 32-byte key. */
        public static Policy generate(String name) {
            byte[] key = new byte[32];
            RANDOM.nextBytes(key);
            return new Policy(name, key);
        }

        /** A policy from its base64 key, as a connection string carries it. */
        public static Policy of(String name, String base64Key) {
            try {
                return new Policy(name, Base64.getDecoder().decode(base64Key));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the key of policy '" + name + "' is not base64 (or is under 16"
                        + " bytes); give the SharedAccessKey value from the connection string");
            }
        }

        public String base64Key() {
            return Base64.getEncoder().encodeToString(key);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Policy p && p.name.equals(name) && MessageDigest.isEqual(p.key, key);
        }

        @Override
        public int hashCode() {
            return name.hashCode();
        }

        @Override
        public String toString() {
            return "Policy[name=" + name + ", key=(hidden)]";
        }
    }

    private ServiceSas(Set<String> hostNames, Map<String, Policy> policies) {
        this.hostNames = hostNames;
        this.policies = policies;
    }

    /**
     * @param hostNames the names clients may put in {@code sr} (e.g. {@code localhost}); compared case-insensitively
     * @param policies  at least one policy; names must be distinct
     */
    public static ServiceSas of(Set<String> hostNames, List<Policy> policies) {
        if (hostNames.isEmpty()) {
            throw new IllegalArgumentException("give at least one host name the service answers to, e.g. localhost");
        }
        if (policies.isEmpty()) {
            throw new IllegalArgumentException("give at least one shared access policy, e.g. "
                    + OWNER_POLICY + " with a random key");
        }
        Map<String, Policy> byName = new LinkedHashMap<>();
        for (Policy p : policies) {
            if (byName.putIfAbsent(p.name(), p) != null) {
                throw new IllegalArgumentException("the policy name '" + p.name() + "' is given twice");
            }
        }
        return new ServiceSas(hostNames.stream().map(h -> h.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet()), Map.copyOf(byName));
    }

    /** One host and a fresh {@value #OWNER_POLICY} policy. */
    public static ServiceSas withOwner(String hostName) {
        return of(Set.of(hostName), List.of(Policy.generate(OWNER_POLICY)));
    }

    public Set<String> hostNames() {
        return hostNames;
    }

    public Policy policy(String name) {
        Policy p = policies.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no shared access policy named '" + name + "'; known: "
                    + policies.keySet());
        }
        return p;
    }

    /** {@code HostName=<host>;SharedAccessKeyName=<policy>;SharedAccessKey=<base64 key>}. A secret: never log it. */
    public static String connectionString(String hostName, Policy policy) {
        return "HostName=" + hostName + ";SharedAccessKeyName=" + policy.name() + ";SharedAccessKey="
                + policy.base64Key();
    }

    public String connectionString(String hostName, String policyName) {
        return connectionString(hostName, policy(policyName));
    }

    /** A token as the Node service SDK writes it ({@code sr} verbatim, then sig, skn, se). A secret. */
    public static String token(String hostName, Policy policy, Instant expiry) {
        byte[] sig = hmacSha256(policy.key, SasTokens.stringToSign(hostName, expiry));
        return PREFIX + "sr=" + hostName + "&sig=" + URLEncoder.encode(Base64.getEncoder()
                .encodeToString(sig), StandardCharsets.UTF_8) + "&skn=" + policy.name() + "&se="
                + expiry.getEpochSecond();
    }

    /** What the check of an {@code Authorization} header decided; neither variant holds the token. */
    sealed interface Verdict permits Allowed, Refused {
    }

    record Allowed(String policyName) implements Verdict {
    }

    /** {@code reason} names fields and values that are not secret (sr, se, skn), never sig or a key. */
    record Refused(String reason) implements Verdict {
    }

    /**
     * Why an {@code Authorization} header does not authorise a request now, or empty when it does: the check other
     * routes behind the service SAS (the emulator's own /firstboot paths) share with the service API. The reason
     * never holds a signature or a key.
     */
    public Optional<String> refusal(Optional<String> header, Instant now) {
        return verify(header, now) instanceof Refused r ? Optional.of(r.reason()) : Optional.empty();
    }

    Verdict verify(Optional<String> header, Instant now) {
        if (header.isEmpty() || header.get().isBlank()) {
            return new Refused("the request has no Authorization header; send \"SharedAccessSignature sr=<host>"
                    + "&sig=...&skn=<policy>&se=<expiry>\" built from the service connection string");
        }
        String token = header.get().trim();
        if (!token.startsWith(PREFIX)) {
            return new Refused("the Authorization header is not a SharedAccessSignature token");
        }
        Optional<String> skn = field(token, "skn");
        if (skn.isEmpty()) {
            return new Refused("the token has no skn (the shared access policy name)");
        }
        Policy policy = policies.get(skn.get());
        if (policy == null) {
            return new Refused("the token's skn '" + skn.get() + "' is not a policy of this service");
        }
        Optional<String> sr = field(token, "sr");
        String host;
        try {
            host = sr.map(s -> URLDecoder.decode(s.replace("+", "%2B"),
                    StandardCharsets.UTF_8)).orElse("").toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return new Refused("the token's sr is not valid URL encoding; put the host name in sr, URL-encoded or"
                    + " not");
        }
        if (!hostNames.contains(host)) {
            return new Refused("the token's sr '" + host + "' is not this service's host name " + hostNames);
        }
        SasTokens.Verdict v = SasTokens.verify(token, host, policy.key, Set.of(policy.name()), now);
        if (v instanceof SasTokens.Rejected r) {
            return new Refused(r.reason().replace("with the device key", "with the policy key"));
        }
        return new Allowed(policy.name());
    }

    private static byte[] hmacSha256(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM has no HmacSHA256", e);
        }
    }

    private static Optional<String> field(String token, String name) {
        for (String part : token.substring(PREFIX.length()).split("&", -1)) {
            if (part.startsWith(name + "=")) {
                return Optional.of(part.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }
}
