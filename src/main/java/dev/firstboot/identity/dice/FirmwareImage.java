package dev.firstboot.identity.dice;

import dev.firstboot.identity.IdentityException;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The two measured sections of a DevKit firmware image, located through its GNU ld map the way {@code dps_cert_gen}
 * does it. Addresses are flash addresses; the .bin starts at {@code flashBase}.
 *
 * @param riotCore     the bytes of the riot_core section (measured into the CDI)
 * @param riotFw       the bytes of the riot_fw section (its SHA-256 is the FWID)
 * @param binSha256Hex standard SHA-256 of the whole .bin, lowercase hex (to name the image in reports)
 */
public record FirmwareImage(long flashBase, long riotCoreStart, long riotCoreStop, long riotFwStart, long riotFwStop,
                            byte[] riotCore, byte[] riotFw, String binSha256Hex) {
    static final String FLASH = "FLASH            0x";
    static final String START_CORE = "__start_riot_core = .";
    static final String STOP_CORE = "__stop_riot_core = .";
    static final String START_FW = "__start_riot_fw = .";
    static final String STOP_FW = "__stop_riot_fw = .";
    /** {@code _DiceMeasure} refuses a smaller riot_core. */
    static final int MIN_RIOT_CORE = 8;

    public FirmwareImage {
        riotCore = riotCore.clone();
        riotFw = riotFw.clone();
    }

    @Override
    public byte[] riotCore() {
        return riotCore.clone();
    }

    @Override
    public byte[] riotFw() {
        return riotFw.clone();
    }

    /**
     * @param bin     the firmware image ({@code DPS.ino.bin})
     * @param mapText the linker map ({@code DPS.ino.map})
     */
    public static FirmwareImage parse(byte[] bin, String mapText) throws IdentityException {
        String[] lines = mapText.split("\r?\n", -1);
        Symbol flash = find(lines, FLASH);
        Symbol coreStart = find(lines, START_CORE);
        Symbol coreStop = find(lines, STOP_CORE);
        Symbol fwStart = find(lines, START_FW);
        Symbol fwStop = find(lines, STOP_FW);
        byte[] core = section("riot_core", coreStart, coreStop, flash, bin);
        byte[] fw = section("riot_fw", fwStart, fwStop, flash, bin);
        if (core.length < MIN_RIOT_CORE) {
            throw new IdentityException("The riot_core section (map lines " + coreStart.line + "-" + coreStop.line
                    + ") is " + core.length + " bytes; the DICE measurement needs at least " + MIN_RIOT_CORE
                    + ". Is this the map of a DPS sketch linked with the DevKit core library?");
        }
        return new FirmwareImage(flash.value, coreStart.value, coreStop.value, fwStart.value, fwStop.value, core, fw,
                HexFormat.of().formatHex(Sha256.of(bin)));
    }

    private record Symbol(String keyword, long value, int line) {
    }

    /** The tool keeps the value from the last line holding the keyword, parsed from that line's first "0x". */
    private static Symbol find(String[] lines, String keyword) throws IdentityException {
        int found = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(keyword) && lines[i].contains("0x")) {
                found = i;
            }
        }
        if (found < 0) {
            throw new IdentityException("No line of the map contains the keyword '" + keyword + "' with a 0x address. "
                    + "Expected the GNU ld map (DPS.ino.map) of a sketch linked with the AZ3166 linker script.");
        }
        String line = lines[found];
        int at = line.indexOf("0x") + 2;
        int end = at;
        while (end < line.length() && Character.digit(line.charAt(end), 16) >= 0 && line.charAt(end) < 0x80) {
            end++;
        }
        String digits = line.substring(at, end).replaceFirst("^0+(?=.)", "");
        if (digits.length() > 15) {
            throw new IdentityException("Map line " + (found + 1) + " gives '" + keyword + "' an address too large "
                    + "for a flash address: 0x" + digits + ".");
        }
        long value = digits.isEmpty() ? 0 : Long.parseLong(digits, 16);
        if (value == 0) {
            throw new IdentityException("Map line " + (found + 1) + " holds the keyword '" + keyword + "' but its "
                    + "address is 0 or missing; dps_cert_gen treats that as no match.");
        }
        return new Symbol(keyword, value, found + 1);
    }

    private static byte[] section(String name, Symbol start, Symbol stop, Symbol flash, byte[] bin)
            throws IdentityException {
        if (stop.value < start.value) {
            throw new IdentityException("The " + name + " section ends (0x" + Long.toHexString(stop.value)
                    + ", map line " + stop.line + ") before it starts (0x" + Long.toHexString(start.value)
                    + ", map line " + start.line + ").");
        }
        if (start.value < flash.value) {
            throw new IdentityException("The " + name + " section starts at 0x" + Long.toHexString(start.value)
                    + " (map line " + start.line + "), below the flash base 0x" + Long.toHexString(flash.value)
                    + " (map line " + flash.line + ") where the .bin begins.");
        }
        long from = start.value - flash.value;
        long to = stop.value - flash.value;
        if (to > bin.length) {
            throw new IdentityException("The " + name + " section 0x" + Long.toHexString(start.value) + "-0x"
                    + Long.toHexString(stop.value) + " (map lines " + start.line + "-" + stop.line + ") ends at file "
                    + "offset " + to + ", beyond the end of the " + bin.length + "-byte .bin (flash base 0x"
                    + Long.toHexString(flash.value) + "). Are the .bin and the .map from the same build?");
        }
        return Arrays.copyOfRange(bin, (int) from, (int) to);
    }

    @Override
    public String toString() {
        return "FirmwareImage[flashBase=0x" + Long.toHexString(flashBase) + ", riot_core=0x"
                + Long.toHexString(riotCoreStart) + "-0x" + Long.toHexString(riotCoreStop) + ", riot_fw=0x"
                + Long.toHexString(riotFwStart) + "-0x" + Long.toHexString(riotFwStop) + ", bin sha256="
                + binSha256Hex + "]";
    }
}
