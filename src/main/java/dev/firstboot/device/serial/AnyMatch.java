package dev.firstboot.device.serial;

import java.util.regex.Pattern;

/**
 * Which of several expectations matched first, for "success or error" branches.
 *
 * @param index   the position of {@code pattern} in the list given to {@link ExpectConsole#expectAny}
 * @param pattern the pattern that matched
 * @param match   the line and groups
 */
public record AnyMatch(int index, Pattern pattern, Match match) {
}
