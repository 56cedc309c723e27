package dev.firstboot.device.devkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The configuration-mode console ({@code cli_main} in {@code console_cli.cpp}, devkit.md §1.3–1.5) as a byte-in,
 * byte-out state machine. Feed it what the serial line delivers with {@link #input}; it writes exactly what the
 * firmware would send back to the output given at construction. After {@code exit} it prints {@code Reboot},
 * ignores further input and reports {@link #exitRequested()}; the board then resets.
 */
public final class DevKitConsole {
    public static final String PROMPT = "\r\n# ";
    /** {@code INBUF_SIZE}: the 1024th accepted character overflows the line. */
    public static final int INPUT_BUFFER_SIZE = 1024;
    /** {@code WiFiScan(aps, 10)} lists at most ten networks. */
    static final int MAX_SCAN_RESULTS = 10;
    static final int WIFI_SSID_MAX_LEN = 32;
    static final int WIFI_PWD_MAX_LEN = 64;
    static final int AZ_IOT_HUB_MAX_LEN = 512;
    static final int DPS_UDS_MAX_LEN = 64;

    private static final byte CR = '\r';
    private static final byte TAB = '\t';
    private static final byte BACKSPACE = 0x08;
    private static final byte DEL = 0x7f;

    private record Command(String name, String help, boolean privacy, Handler handler) {
    }

    @FunctionalInterface
    private interface Handler {
        void run(ConsoleLine.Command line);
    }

    private final DevKitFirmware firmware;
    private final StsafeStorage storage;
    private final List<String> visibleNetworks;
    private final Consumer<byte[]> output;
    private final List<Command> commands;
    private final byte[] inbuf = new byte[INPUT_BUFFER_SIZE];
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int bp;
    private boolean exitRequested;
    /** DEFECT HOOK: the console defects this board was built with (the echo, help and command log leaks). */
    private Set<DevKitDefect> defects = Set.of();

    /**
     * @param visibleNetworks SSIDs that {@code scan} finds, in order (the firmware shows the first ten)
     * @param output          receives every byte the firmware writes, one array per {@link #start} or {@link #input}
     */
    public DevKitConsole(DevKitFirmware firmware, StsafeStorage storage, List<String> visibleNetworks,
                         Consumer<byte[]> output) {
        this.firmware = Objects.requireNonNull(firmware, "firmware");
        this.storage = Objects.requireNonNull(storage, "storage");
        this.visibleNetworks = List.copyOf(visibleNetworks);
        this.output = Objects.requireNonNull(output, "output");
        this.commands = commandTable(firmware.quirks());
    }

    /** DEFECT HOOK: builds the console's defects in; only {@link DevKitBoard} calls it. */
    void defects(Set<DevKitDefect> defects) {
        this.defects = Set.copyOf(defects);
    }

    /** {@code cli_main()} starting: the help text, then the prompt. */
    public void start() {
        printHelp();
        print(PROMPT);
        flush();
    }

    /** Bytes arriving on the serial line. Ignored after {@code exit}. */
    public void input(byte[] bytes) {
        for (byte b : bytes) {
            if (exitRequested) {
                break;
            }
            accept(b);
        }
        flush();
    }

    /** True once {@code exit} has run: the firmware is rebooting and reads no more input. */
    public boolean exitRequested() {
        return exitRequested;
    }

    private void accept(byte b) {
        if (b == CR) {
            byte[] line = java.util.Arrays.copyOf(inbuf, bp);
            bp = 0;
            handleLine(line);
            return;
        }
        if (b == TAB) {
            b = ' ';
        } else if (b == BACKSPACE || b == DEL) {
            if (bp > 0) {
                bp--;
                print("\b \b");
            }
            return;
        } else if ((b & 0xff) < 0x20) {
            return; // LF and other control bytes are dropped, so CRLF works (§1.3)
        }
        pending.write(isPrivacyLine() && !defects.contains(DevKitDefect.UDS_ECHO_VISIBLE) ? '*' : b);
        inbuf[bp++] = b;
        if (bp >= INPUT_BUFFER_SIZE) {
            print("\r\nError: input buffer overflow\r\n");
            print(PROMPT);
            bp = 0;
        }
    }

    /** Once the buffer holds a privacy command's name and a space, every further char echoes as {@code *} (§1.3). */
    private boolean isPrivacyLine() {
        for (int j = 0; j < bp; j++) {
            if (inbuf[j] == ' ') {
                String name = new String(inbuf, 0, j, StandardCharsets.ISO_8859_1);
                return commands.stream().anyMatch(c -> c.name.equals(name) && c.privacy);
            }
        }
        return false;
    }

    private void handleLine(byte[] line) {
        ConsoleLine parsed = ConsoleLine.parse(line, INPUT_BUFFER_SIZE);
        if (parsed instanceof ConsoleLine.SyntaxError) {
            print("Error:Syntax error\r\n");
        } else if (parsed instanceof ConsoleLine.Command command) {
            print("\r\n");
            Command found = commands.stream().filter(c -> c.name.equals(command.name())).findFirst().orElse(null);
            if (found == null) {
                print("Error:Invalid command: " + command.name() + "\r\n");
            } else {
                found.handler.run(command);
                if (exitRequested) {
                    return; // the board reboots inside the command; no prompt follows
                }
            }
        }
        print(PROMPT);
    }

    private List<Command> commandTable(FirmwareVersion.ConsoleQuirks quirks) {
        List<Command> table = new ArrayList<>();
        table.add(new Command("help", "Help document", false, line -> printHelp()));
        table.add(new Command("version", "System version", false, line -> version()));
        table.add(new Command("exit", "Exit and reboot", false, line -> exit()));
        table.add(new Command("scan", "Scan Wi-Fi AP", false, line -> scan()));
        table.add(new Command("set_wifissid", "Set Wi-Fi SSID", false, this::setWifiSsid));
        table.add(new Command("set_wifipwd", "Set Wi-Fi password", true, this::setWifiPassword));
        table.add(new Command("set_az_iothub", "Set IoT Hub device connection string", false, this::setIotHub));
        if (quirks.hasDpsConnectionStringCommand()) {
            // The help text ends in '.' and the table format adds another: the help line ends "..". (§1.4)
            table.add(new Command("set_dps_uds", "Set DPS Unique Device Secret (UDS) for X.509 certificates.", true,
                    this::setDpsUds));
            table.add(new Command("set_az_iotdps", "Set DPS Symmetric Key. Format: \"DPSEndpoint="
                    + "global.azure-devices-provisioning.net;IdScope=XXX;DeviceId=XXX;SymmetricKey=XXX\"", false,
                    this::setDpsConnectionString));
        } else {
            table.add(new Command("set_dps_uds", "Set DPS Unique Device Secret (DPS)", true, this::setDpsUds));
        }
        table.add(new Command("enable_secure", "Enable secure channel between AZ3166 and secure chip", false,
                this::enableSecure));
        return List.copyOf(table);
    }

    private void printHelp() {
        print("Configuration console:\r\n");
        for (Command c : commands) {
            print(" - " + c.name + ": " + c.help + ".\r\n");
        }
        if (defects.contains(DevKitDefect.UDS_IN_HELP)) { // DEFECT HOOK (UDS_IN_HELP)
            storage.read(StsafeZone.DPS_UDS, 0, DPS_UDS_MAX_LEN).map(DevKitConsole::cStringValue)
                    .filter(uds -> !uds.isEmpty()).ifPresent(uds -> print("Stored UDS: " + uds + "\r\n"));
        }
    }

    /** The text of a zone's bytes up to the first NUL. */
    private static String cStringValue(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.ISO_8859_1);
    }

    private void version() {
        print("DevKitSDK version: " + firmware.version() + "\r\n");
        print("Mico version: " + firmware.micoVersion() + "\r\n");
        print("mbed-os version: " + firmware.mbedOsVersion() + "\r\n");
        print("mbed TLS version: " + firmware.mbedTlsVersion() + "\r\n");
        print("WIFI version: " + firmware.wifiVersion().orElse("unknown") + "\r\n");
    }

    private void exit() {
        print("Reboot\r\n");
        exitRequested = true;
    }

    private void scan() {
        if (visibleNetworks.isEmpty()) {
            print("No available network.\r\n");
            return;
        }
        print("Available networks:\r\n");
        visibleNetworks.stream().limit(MAX_SCAN_RESULTS).forEach(ssid -> print("  " + ssid + "\r\n"));
    }

    private void setWifiSsid(ConsoleLine.Command line) {
        if (!line.has(1)) {
            print("Usage: set_wifissid <SSID>. Please provide the SSID of the Wi-Fi.\r\n");
            return;
        }
        if (cLength(line.args().get(1)) > WIFI_SSID_MAX_LEN) {
            print("Invalid Wi-Fi SSID.\r\n");
            return;
        }
        if (writeZone(line.args().get(1), StsafeZone.WIFI_SSID)) {
            print("INFO: Set Wi-Fi SSID successfully.\r\n");
        }
    }

    private void setWifiPassword(ConsoleLine.Command line) {
        String password = "";
        if (line.has(1)) {
            password = line.args().get(1);
            if (cLength(password) > WIFI_PWD_MAX_LEN) {
                print("Invalid Wi-Fi password.\r\n"); // and still writes it (§1.5)
            }
        }
        if (writeZone(password, StsafeZone.WIFI_PWD)) {
            print("INFO: Set Wi-Fi password successfully.\r\n");
        }
    }

    private void setIotHub(ConsoleLine.Command line) {
        if (!line.has(1)) {
            print("Usage: set_az_iothub <connection string>. Please provide the connection string of the Azure IoT "
                    + "hub.\r\n");
            return;
        }
        if (cLength(line.args().get(1)) > AZ_IOT_HUB_MAX_LEN) {
            print("Invalid Azure IoT hub connection string.\r\n");
            return;
        }
        if (writeZone(line.args().get(1), StsafeZone.AZ_IOT_HUB)) {
            print("INFO: Set Azure Iot hub connection string successfully.\r\n");
        }
    }

    private void setDpsUds(ConsoleLine.Command line) {
        if (!line.has(1)) {
            print("Usage: set_dps_uds [uds]. Please provide the UDS for DPS.\r\n");
            return;
        }
        String uds = line.args().get(1);
        // Since Aug 2019 the test is strlen+1 != 64, so a correct 64-char UDS is called invalid; either way the
        // firmware goes on and writes the value (§1.5).
        int measured = firmware.quirks().udsLengthCountsNul() ? cLength(uds) : uds.length();
        if (measured != DPS_UDS_MAX_LEN) {
            print("Invalid UDS.\r\n");
        }
        if (defects.contains(DevKitDefect.UDS_IN_COMMAND_LOG)) { // DEFECT HOOK (UDS_IN_COMMAND_LOG)
            print("INFO: Writing UDS " + uds + " to zone " + StsafeZone.DPS_UDS.index() + ".\r\n");
        }
        if (defects.contains(DevKitDefect.UDS_PREFIX_LEAK)) { // DEFECT HOOK (UDS_PREFIX_LEAK)
            print("INFO: UDS " + uds.substring(0, Math.min(uds.length(), DevKitDefect.UDS_PREFIX_CHARS)) + "...\r\n");
        }
        if (writeZone(uds, StsafeZone.DPS_UDS)) {
            print("INFO: Set DPS UDS successfully.\r\n");
        }
    }

    private void setDpsConnectionString(ConsoleLine.Command line) {
        if (!line.has(1)) {
            print("Usage: set_az_iotdps <connection string>. Please provide the connection string of DPS.\r\n");
            return;
        }
        if (cLength(line.args().get(1)) > AZ_IOT_HUB_MAX_LEN) {
            print("Invalid DPS connection string.\r\n");
            return;
        }
        // Same zone as set_az_iothub: one overwrites the other (§1.5).
        if (writeZone(line.args().get(1), StsafeZone.AZ_IOT_HUB)) {
            print("INFO: Set DPS connection string successfully.\r\n");
        }
    }

    private void enableSecure(ConsoleLine.Command line) {
        StsafeStorage.SecureChannelResult result = null;
        List<String> args = line.args();
        if (line.has(1) && args.get(1).length() == 1) {
            char level = args.get(1).charAt(0);
            if (line.argc() == 2 && (level == '1' || level == '3')) {
                result = storage.enableSecureChannel(level - '0');
            } else if (line.argc() == 3 && line.has(2) && isLowerHexKey(args.get(2))) {
                // Any one-char level reaches here; the firmware always asks the chip for level 2.
                result = storage.enableSecureChannel(2);
            }
        }
        if (result == null) {
            print("Usage: enable_secure <secure level> <provided key>. 64-characters key is only needed for level 2."
                    + " More detail:\r\n"
                    + "        1.\"enable_secure 1\" to enable secure channel with pre set key.\r\n"
                    + "        2.\"enable_secure 2 ([a-f]|[0-9]){64}\" to enable secure channel with provided key."
                    + " (not implemented)\r\n"
                    + "        3.\"enable_secure 3\" to enable secure channel with random key. (not implemented)\r\n");
            return;
        }
        switch (result) {
            case ENABLED -> print("INFO: Enable secure channel successfully.\r\n");
            case ALREADY_ENABLED -> print("INFO: Secure channel has already been enabled.\r\n");
            case FAILED -> print("INFO: Enable secure channel failed.\r\n");
        }
    }

    private static boolean isLowerHexKey(String key) {
        return key.length() == 64 && key.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }

    /** Writes the value as a C string (with its NUL), reads it back and compares, printing the firmware's errors. */
    private boolean writeZone(String value, StsafeZone zone) {
        byte[] bytes = cString(value);
        if (!storage.write(zone, bytes)) {
            print(String.format("ERROR: Failed to write EEPROM: 0x%02x.\r\n", zone.index()));
            return false;
        }
        byte[] back = storage.read(zone, 0, bytes.length).orElse(new byte[0]);
        if (!java.util.Arrays.equals(back, bytes)) {
            print("ERROR: Verify failed.\r\n");
            return false;
        }
        return true;
    }

    /** {@code strlen + 1}: the bytes a C string occupies. */
    private static int cLength(String value) {
        return value.length() + 1;
    }

    private static byte[] cString(String value) {
        byte[] chars = value.getBytes(StandardCharsets.ISO_8859_1);
        return java.util.Arrays.copyOf(chars, chars.length + 1);
    }

    private void print(String text) {
        pending.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void flush() {
        if (pending.size() > 0) {
            output.accept(pending.toByteArray());
            pending.reset();
        }
    }
}
