package dev.firstboot.device.serial;

import java.util.regex.Pattern;

/**
 * A pattern as a message shows it: as the user wrote it, never with the {@code \Q…\E} that {@link Pattern#quote}
 * wraps a literal in. A pattern that is one literal is shown as that text in double quotes ({@code "Invalid UDS."});
 * any other as {@code /regex/}, its literal parts escaped the usual way ({@code /^ - set_dps_uds: /}).
 */
public final class PatternText {
    /** The characters that mean something outside a character class; only these are escaped. */
    private static final String META = "\\.[]{}()*+?^$|";

    private PatternText() {
    }

    public static String of(Pattern pattern) {
        String s = pattern.pattern();
        if (s.startsWith("\\Q") && s.endsWith("\\E") && s.indexOf("\\E") == s.length() - 2) {
            return "\"" + s.substring(2, s.length() - 2) + "\"";
        }
        StringBuilder out = new StringBuilder("/");
        int i = 0;
        while (i < s.length()) {
            int q = s.indexOf("\\Q", i);
            if (q < 0 || escaped(s, q)) {
                int next = q < 0 ? s.length() : q + 2;
                out.append(s, i, next);
                i = next;
                continue;
            }
            out.append(s, i, q);
            int e = s.indexOf("\\E", q + 2);
            String literal = s.substring(q + 2, e < 0 ? s.length() : e);
            for (char c : literal.toCharArray()) {
                if (META.indexOf(c) >= 0) {
                    out.append('\\');
                }
                out.append(c);
            }
            i = e < 0 ? s.length() : e + 2;
        }
        return out.append('/').toString();
    }

    /** True when the backslash at {@code at} is itself escaped (an odd number of backslashes before it). */
    private static boolean escaped(String s, int at) {
        int n = 0;
        for (int j = at - 1; j >= 0 && s.charAt(j) == '\\'; j--) {
            n++;
        }
        return n % 2 == 1;
    }
}
