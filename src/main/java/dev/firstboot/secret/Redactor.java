package dev.firstboot.secret;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in any text that leaves the harness: timeline attributes, console logs, reports, error messages.
 * Secrets are registered as they become known (a UDS written, a key issued); SAS signatures are masked by shape,
 * so a token nobody registered is still hidden.
 * <p>
 * Key material (a hex or base64 string, such as a UDS or a symmetric key) is found in either form, whole or in
 * part: any {@link #LEAK_HEX_CHARS} characters of its hex form or {@link #LEAK_BASE64_CHARS} of its base64 form are
 * a leak, and are masked. Structured secrets (connection strings, PEM lines) count only whole.
 */
public final class Redactor {
    public static final String MASK = "«masked»";
    /** The fewest characters of a secret's hex form that count as a leak of it (64 bits). */
    public static final int LEAK_HEX_CHARS = 16;
    /** The fewest characters of a secret's base64 form that count as a leak of it (72 bits). */
    public static final int LEAK_BASE64_CHARS = 12;
    /** Key material shorter than this (in bytes) is matched only whole: a part of it would be too short to tell. */
    private static final int KEY_MATERIAL_BYTES = 16;
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");
    private static final Pattern SAS_SIG = Pattern.compile("(?i)(sig=)[^&\\s\"]+");
    private static final Pattern SHARED_ACCESS_KEY = Pattern.compile("(?i)(SharedAccessKey=)[^;\\s\"]+");

    private final Set<String> secrets = ConcurrentHashMap.newKeySet();
    /** Every {@link #LEAK_HEX_CHARS}-character window of every registered hex form, lower case. */
    private final Set<String> hexParts = ConcurrentHashMap.newKeySet();
    /** Every {@link #LEAK_BASE64_CHARS}-character window of every registered base64 form. */
    private final Set<String> base64Parts = ConcurrentHashMap.newKeySet();

    /**
     * Registers a secret; it and its upper- and lower-case forms are masked from now on, and when it is key material
     * (hex, or base64 of at least 16 bytes) so is any long enough part of its hex or base64 form. Short strings are
     * refused.
     */
    public void register(String secret) {
        if (secret == null || secret.length() < 8) {
            return;
        }
        registerWhole(secret);
        if (HEX.matcher(secret).matches() && secret.length() >= 2 * KEY_MATERIAL_BYTES) {
            addParts(hexParts, secret.toLowerCase(Locale.ROOT), LEAK_HEX_CHARS);
            if (secret.length() % 2 == 0) {
                addParts(base64Parts, Base64.getEncoder().encodeToString(HexFormat.of().parseHex(secret)),
                        LEAK_BASE64_CHARS);
            }
        } else if (BASE64.matcher(secret).matches() && secret.length() % 4 == 0) {
            byte[] bytes = Base64.getDecoder().decode(secret);
            if (bytes.length >= KEY_MATERIAL_BYTES) {
                addParts(base64Parts, secret, LEAK_BASE64_CHARS);
                addParts(hexParts, HexFormat.of().formatHex(bytes), LEAK_HEX_CHARS);
            }
        }
    }

    /** Registers a structured secret (a connection string, a PEM line) that counts as leaked only whole. */
    public void registerWhole(String secret) {
        if (secret == null || secret.length() < 8) {
            return;
        }
        secrets.add(secret);
        secrets.add(secret.toLowerCase(Locale.ROOT));
        secrets.add(secret.toUpperCase(Locale.ROOT));
    }

    /**
     * Registers a private key: its PEM (each line and the whole body) whole, and its private value (an EC scalar or
     * an RSA private exponent) as key material, so a part of it is a leak too. The public parts of the PEM are not
     * secrets: a certificate shares them, so they count only as the whole PEM line.
     */
    public void registerPrivateKey(String pem, PrivateKey key) {
        StringBuilder body = new StringBuilder();
        for (String line : pem.split("\n")) {
            if (!line.startsWith("-----")) {
                registerWhole(line.trim());
                body.append(line.trim());
            }
        }
        registerWhole(body.toString());
        BigInteger value = key instanceof ECPrivateKey ec ? ec.getS()
                : key instanceof RSAPrivateKey rsa ? rsa.getPrivateExponent() : null;
        if (value != null) {
            register(HexFormat.of().formatHex(unsigned(value)));
        }
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] b = value.toByteArray();
        return b.length > 1 && b[0] == 0 ? java.util.Arrays.copyOfRange(b, 1, b.length) : b;
    }

    private static void addParts(Set<String> parts, String form, int length) {
        for (int i = 0; i + length <= form.length(); i++) {
            parts.add(form.substring(i, i + length));
        }
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
        out = maskParts(out);
        out = SAS_SIG.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        out = SHARED_ACCESS_KEY.matcher(out).replaceAll("$1" + Matcher.quoteReplacement(MASK));
        return out;
    }

    /** Replaces every stretch of text made of registered parts (hex or base64) with one {@link #MASK}. */
    private String maskParts(String text) {
        if (hexParts.isEmpty() && base64Parts.isEmpty()) {
            return text;
        }
        boolean[] secret = new boolean[text.length()];
        boolean any = findParts(text, HEX, hexParts, LEAK_HEX_CHARS, true, secret);
        any |= findParts(text, BASE64, base64Parts, LEAK_BASE64_CHARS, false, secret);
        if (!any) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            if (!secret[i]) {
                out.append(text.charAt(i));
            } else if (i == 0 || !secret[i - 1]) {
                out.append(MASK);
            }
        }
        return out.toString();
    }

    /**
     * Finds every window of {@code text} that is a registered part and marks its characters in {@code secret}; with
     * no array to mark, stops at the first.
     */
    private static boolean findParts(String text, Pattern alphabet, Set<String> parts, int length, boolean anyCase,
                                     boolean[] secret) {
        if (parts.isEmpty()) {
            return false;
        }
        boolean any = false;
        Matcher run = alphabet.matcher(text);
        while (run.find()) {
            for (int i = run.start(); i + length <= run.end(); i++) {
                String window = text.substring(i, i + length);
                if (parts.contains(anyCase ? window.toLowerCase(Locale.ROOT) : window)) {
                    if (secret == null) {
                        return true;
                    }
                    java.util.Arrays.fill(secret, i, i + length, true);
                    any = true;
                }
            }
        }
        return any;
    }

    /** How many secret forms are registered (each secret in its given, lower- and upper-case forms). */
    public int size() {
        return secrets.size();
    }

    /**
     * True when {@code text}, as a device printed it, gives away a secret: a registered one or a long enough part of
     * one, or a SAS signature or shared access key that is not already masked.
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

    /**
     * True when {@code text} still contains a registered secret or a long enough part of one; used by the end-of-run
     * scan of every report file and by tests.
     */
    public boolean leaks(String text) {
        if (text == null) {
            return false;
        }
        if (secrets.stream().anyMatch(text::contains)) {
            return true;
        }
        return findParts(text, HEX, hexParts, LEAK_HEX_CHARS, true, null)
                || findParts(text, BASE64, base64Parts, LEAK_BASE64_CHARS, false, null);
    }
}
