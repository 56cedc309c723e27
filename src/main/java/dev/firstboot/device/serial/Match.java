package dev.firstboot.device.serial;

import java.util.List;

/**
 * A console line that matched an expectation.
 *
 * @param line   the whole line, masked; for a prompt, the partial line printed so far
 * @param groups the pattern's capturing groups, 1 to n, masked; a group that took no part is the empty string
 * @param nanos  {@link System#nanoTime()} when the matched text had fully arrived
 */
public record Match(String line, List<String> groups, long nanos) {
    public Match {
        groups = List.copyOf(groups);
    }

    /** Capturing group {@code n}, counted from 1 as in {@link java.util.regex.Matcher#group(int)}. */
    public String group(int n) {
        if (n < 1 || n > groups.size()) {
            throw new IndexOutOfBoundsException("group " + n + " of " + groups.size() + " in: " + line);
        }
        return groups.get(n - 1);
    }
}
