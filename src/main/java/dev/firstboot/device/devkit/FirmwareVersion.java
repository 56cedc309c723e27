package dev.firstboot.device.devkit;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DevKit SDK version as {@code getDevkitVersion()} prints it ({@code %d.%d.%d}), and the console behaviours that
 * changed across releases (devkit.md §1.4, §1.5).
 *
 * <p>The spec dates the changes by commit (Aug 2019 {@code cd11ddab}, Oct 2019 {@code 1185b76a}), not by release. We
 * take 2.0.0 (the archived HEAD) as the first release with both and everything older as having neither; this mapping
 * is <b>unverified</b>. A build from between the two commits needs {@link ConsoleQuirks} set explicitly.
 */
public record FirmwareVersion(int major, int minor, int patch) implements Comparable<FirmwareVersion> {
    private static final Pattern TEXT = Pattern.compile("([0-9]{1,4})\\.([0-9]{1,4})\\.([0-9]{1,4})");
    /** First release assumed to contain {@code cd11ddab} and {@code 1185b76a}. */
    public static final FirmwareVersion OCT_2019_CONSOLE = new FirmwareVersion(2, 0, 0);

    public FirmwareVersion {
        if (major < 0 || minor < 0 || patch < 0) {
            throw new IllegalArgumentException("Firmware version numbers cannot be negative: "
                    + major + "." + minor + "." + patch);
        }
    }

    /** Parses {@code num.num.num}, e.g. {@code 2.0.0}. */
    public static FirmwareVersion parse(String text) {
        Matcher m = TEXT.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("A DevKit firmware version is three numbers separated by dots "
                    + "(e.g. 1.3.0 or 2.0.0), but got '" + text + "'.");
        }
        return new FirmwareVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)));
    }

    /** The console behaviour this release is assumed to have. */
    public ConsoleQuirks consoleQuirks() {
        boolean newer = compareTo(OCT_2019_CONSOLE) >= 0;
        return new ConsoleQuirks(newer, newer);
    }

    @Override
    public int compareTo(FirmwareVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }

    /**
     * Console behaviours that differ between firmware builds.
     *
     * @param udsLengthCountsNul {@code set_dps_uds} tests {@code strlen+1 != 64} (Aug 2019, {@code cd11ddab}), so a
     *                           correct 64-char UDS prints {@code Invalid UDS.} before succeeding
     * @param hasDpsConnectionStringCommand {@code set_az_iotdps} exists and the {@code set_dps_uds} help text is the
     *                           long one (Oct 2019, {@code 1185b76a})
     */
    public record ConsoleQuirks(boolean udsLengthCountsNul, boolean hasDpsConnectionStringCommand) {
    }
}
