package dev.firstboot.secret;

import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks secrets in any text that leaves the harness: timeline attributes, console logs, reports, error messages,
 * and says whether a text a device printed gives one away. This is the one place that says what a leak is.
 * Secrets are registered as they become known (a UDS written, a key issued, a private key derived, a SAS token seen
 * on the wire); SAS signatures are masked by shape too, so a token nobody registered is still hidden.
 * <p>
 * Key material (a hex or base64 string, such as a UDS, a symmetric key, a SAS signature's HMAC or a private key's
 * private value) is found in either form, whole or in part: any {@link #LEAK_HEX_CHARS} characters of its hex form
 * or {@link #LEAK_BASE64_CHARS} of its base64 form are a leak, and are masked. So is the part of a PEM body that
 * encodes a private value. Structured secrets (connection strings, whole PEM lines) count only whole.
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
    private static final Pattern PEM_ARMOUR = Pattern.compile("-----(BEGIN|END) [A-Z0-9 ]+-----");

    /** Longest first, so a whole secret is masked before a piece of it (a PEM body before its lines). */
    private final Set<String> secrets = new ConcurrentSkipListSet<>(
            Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
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
     * Registers a private key by its private value (an EC scalar, an RSA private exponent and primes) as key
     * material, so any long enough part of its hex or base64 form is a leak, and by its PKCS#8 encoding, the body of
     * a {@code BEGIN PRIVATE KEY} PEM.
     */
    public void registerPrivateKey(PrivateKey key) {
        List<byte[]> values = privateValues(key);
        values.forEach(v -> register(HexFormat.of().formatHex(v)));
        if (key.getEncoded() != null) {
            registerEncoding(key.getEncoded(), values);
        }
    }

    /**
     * As {@link #registerPrivateKey(PrivateKey)}, and the PEM the key was given in (PKCS#8 or SEC1, on one line or
     * many): each of its lines and its whole body, and any long enough part of the body that encodes a private
     * value. The other parts of the body (the algorithm, the public key) are no secret alone: a certificate shares
     * them.
     */
    public void registerPrivateKey(String pem, PrivateKey key) {
        registerPrivateKey(key);
        for (String line : pem.split("\\R")) {
            registerWhole(PEM_ARMOUR.matcher(line).replaceAll("").trim());
        }
        String body = PEM_ARMOUR.matcher(pem).replaceAll("").replaceAll("\\s", "");
        try {
            registerEncoding(Base64.getDecoder().decode(body), privateValues(key));
        } catch (IllegalArgumentException e) {
            registerWhole(body); // not base64 after all: it still counts whole
        }
    }

    /**
     * Registers the SAS signature in {@code token} ({@code sig=}, URL-encoded base64 of an HMAC): its URL-encoded
     * form whole, and any long enough part of the HMAC's base64 or hex form. Only parts are kept for the HMAC (a
     * lookup, not a scan), since a run sees a new token at every boot. A token without a signature is ignored.
     */
    public void registerSasToken(String token) {
        Matcher m = SAS_SIG.matcher(token == null ? "" : token);
        if (!m.find()) {
            return;
        }
        String encoded = m.group().substring(m.group(1).length());
        if (encoded.length() >= 8) {
            secrets.add(encoded);
        }
        try {
            byte[] hmac = Base64.getDecoder().decode(URLDecoder.decode(encoded, StandardCharsets.UTF_8));
            if (hmac.length >= KEY_MATERIAL_BYTES) {
                addParts(base64Parts, Base64.getEncoder().encodeToString(hmac), LEAK_BASE64_CHARS);
                addParts(hexParts, HexFormat.of().formatHex(hmac), LEAK_HEX_CHARS);
            }
        } catch (IllegalArgumentException e) {
            // not URL-encoded base64: the verifier refuses it, and the text counts whole
        }
    }

    /** The private values of {@code key}, unsigned big-endian; none for a key type this does not know. */
    private static List<byte[]> privateValues(PrivateKey key) {
        if (key instanceof ECPrivateKey ec) {
            return List.of(unsigned(ec.getS()));
        }
        if (key instanceof RSAPrivateCrtKey rsa) {
            return List.of(unsigned(rsa.getPrivateExponent()), unsigned(rsa.getPrimeP()), unsigned(rsa.getPrimeQ()));
        }
        if (key instanceof RSAPrivateKey rsa) {
            return List.of(unsigned(rsa.getPrivateExponent()));
        }
        return List.of();
    }

    /**
     * An encoding of a key in base64 (a PEM body): whole, and every part of it that encodes only bytes of a private
     * value, so a device that prints a piece of its PEM is caught when the piece gives the private value away.
     */
    private void registerEncoding(byte[] der, List<byte[]> values) {
        String base64 = Base64.getEncoder().encodeToString(der);
        registerWhole(base64);
        for (byte[] value : values) {
            int start = indexOf(der, value);
            if (start < 0) {
                continue;
            }
            // base64 characters 4g..4g+3 encode bytes 3g..3g+2: keep the groups that lie within the value
            int first = (start + 2) / 3;
            int end = (start + value.length) / 3;
            if (end > first) {
                addParts(base64Parts, base64.substring(4 * first, 4 * end), LEAK_BASE64_CHARS);
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] b = value.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
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
        while (out.contains(MASK + MASK)) {
            out = out.replace(MASK + MASK, MASK); // one secret next to another, or two pieces of one, read as one
        }
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
                    Arrays.fill(secret, i, i + length, true);
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
