package dev.firstboot.secret;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in any text that leaves the harness: timeline attributes, console logs, reports, error messages.
 * Secrets are registered as they become known (a UDS written, a key issued); SAS signatures are masked by shape,
 * so a token nobody registered is still hidden.
 */
public final class Redactor {
    public static final String MASK = "«masked»";
    private static final Pattern SAS_SIG = Pattern.compile("(?i)(sig=)[^&\\s\"]+");
    private static final Pattern SHARED_ACCESS_KEY = Pattern.compile("(?i)(SharedAccessKey=)[^;\\s\"]+");

    private final Set<String> secrets = ConcurrentHashMap.newKeySet();

    /** Registers a secret; it and its upper- and lower-case forms are masked from now on. Short strings are refused. */
    public void register(String secret) {
        if (secret == null || secret.length() < 8) {
            return;
        }
        secrets.add(secret);
        secrets.add(secret.toLowerCase(java.util.Locale.ROOT));
        secrets.add(secret.toUpperCase(java.util.Locale.ROOT));
    }

    public String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text == null ? "" : text;
        }
        String out = text;
        for (String secret : secrets) {
            if (out.contains(secret)) {
                out = out.replace(secret, MASK);
            }
        }
        out = SAS_SIG.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        out = SHARED_ACCESS_KEY.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        return out;
    }

    /** How many secret forms are registered (each secret in its given, lower- and upper-case forms). */
    public int size() {
        return secrets.size();
    }

    /**
     * True when {@code text}, as a device printed it, gives away a secret: a registered one, or a SAS signature or
     * shared access key that is not already masked.
     */
    public boolean reveals(String text) {
        if (text == null) {
            return false;
        }
        return leaks(text) || unmasked(SAS_SIG, text) || unmasked(SHARED_ACCESS_KEY, text);
    }

    private static boolean unmasked(Pattern shape, String text) {
        Matcher m = shape.matcher(text);
        while (m.find()) {
            if (!m.group().substring(m.group(1).length()).startsWith(MASK)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code text} still contains a registered secret; used by tests that scan every artifact. */
    public boolean leaks(String text) {
        return text != null && secrets.stream().anyMatch(text::contains);
    }
}
