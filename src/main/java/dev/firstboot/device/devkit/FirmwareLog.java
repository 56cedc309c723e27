package dev.firstboot.device.devkit;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The Azure C shared-utility console logger compiled into the firmware (devkit.md §2.1). Line ends are {@code \r\n};
 * whether the device uses {@code \n} is unverified. {@code File}, {@code Func} and {@code Line} name the source
 * line that logs; a board prints its own build's line numbers, so match on the message, not the prefix.
 */
final class FirmwareLog {
    /** {@code %.24s} of {@code ctime()}: e.g. {@code Thu Jan  1 00:00:00 1970}. */
    private static final DateTimeFormatter CTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Clock clock;

    FirmwareLog(Clock clock) {
        this.clock = clock;
    }

    String info(String message) {
        return "Info: " + message + "\r\n";
    }

    String error(String file, String function, int line, String message) {
        return "Error: Time:" + CTIME.format(clock.instant()) + " File:" + file + " Func:" + function + " Line:" + line + " "
                + message + "\r\n";
    }
}
