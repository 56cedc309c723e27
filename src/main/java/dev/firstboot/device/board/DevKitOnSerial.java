package dev.firstboot.device.board;

import dev.firstboot.device.FirmwareInputs;
import dev.firstboot.device.serial.AnyMatch;
import dev.firstboot.device.serial.ConsoleException;
import dev.firstboot.device.serial.ExpectConsole;
import dev.firstboot.device.serial.ExpectTimeoutException;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.ControlAction;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.DiceFacet;
import dev.firstboot.rig.SerialConsoleFacet;
import dev.firstboot.secret.Secret;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * An MXChip AZ3166 DevKit driven the way an operator drives it: through its serial console and its reset and
 * buttons. The same class drives a real board (jSerialComm on /dev/ttyACM0) and the virtual DevKit (jSerialComm on
 * its pty); only the controls and the ability to reflash the sketch differ.
 */
final class DevKitOnSerial implements Device, DiceFacet, SerialConsoleFacet {
    static final Pattern BANNER = Pattern.compile("\\*\\* MXChip - Microsoft IoT Developer Kit \\*\\*");
    /** The banner's lines as the DevKit firmware prints them (devkit.md §1.1), for telling a cut-off one from another. */
    static final List<String> BANNER_LINES = List.of("************************************************",
            "** MXChip - Microsoft IoT Developer Kit **");
    static final Pattern USER_MODE = Pattern.compile("You can 1\\. press Button A and reset");
    static final Pattern CONFIGURATION = Pattern.compile("Configuration console:");
    /**
     * Before a reset, the console is let fall quiet this long (at most {@link #SETTLE_DEADLINE}): a board that booted
     * as its port opened is still printing that boot, and its mode lines would be read as the new boot's, without
     * a banner before them.
     */
    static final Duration SETTLE = Duration.ofMillis(250);
    static final Duration SETTLE_DEADLINE = Duration.ofSeconds(2);
    static final Pattern PROMPT = Pattern.compile("^# ");
    /** The IoT Workbench's probe: any output naming a set_ command proves the configuration console (devkit.md §1.2). */
    static final String HELP_PROBE = "\r\nhelp\r\n";
    static final Pattern PROBE_ANSWER = Pattern.compile(" - set_\\w+: ");
    static final Pattern VERSION = Pattern.compile("DevKitSDK version: (\\S+)");
    static final Pattern UDS_ACCEPTED = Pattern.compile("INFO: Set DPS UDS successfully\\.");
    static final Pattern UDS_REFUSED = Pattern.compile("Usage: set_dps_uds|ERROR: |Error:");
    static final Pattern ASSIGNED = Pattern.compile("Registration Information received from service: (.+)!");
    /** Lines after which the firmware will not register on this boot. */
    static final Pattern GAVE_UP = Pattern.compile("registration failed!|DiceInit failed!|The length of DPS UDS string must be 64"
            + "|The DPS UDS string is empty|Unable to get DPS UDS string|Input value for registrationId in DPS\\.ino");

    record Settings(String kind, FirmwareInputs inputs, Optional<String> registrationId, Duration bootDeadline,
                    Map<String, String> labels) {
        Settings {
            labels = Map.copyOf(labels);
        }
    }

    private final Settings settings;
    private final ExpectConsole console;
    private final BoardControls controls;
    /** Reflashes the sketch with another registration id; empty for a physical board, whose firmware is what it is. */
    private final Optional<Consumer<Optional<String>>> flasher;
    private final Runnable stopBoard;
    private final AutoCloseable owned;
    private Optional<String> registrationId;
    private BootReport verdict;
    private boolean booting;
    /** How the board was last started into user mode, for messages: "a reset" or "a power-on". */
    private String started = "a reset";
    private boolean inConfigurationMode;
    private boolean versionChecked;

    private final String rigName;

    DevKitOnSerial(String rigName, Settings settings, ExpectConsole console, BoardControls controls,
                   Optional<Consumer<Optional<String>>> flasher, Runnable stopBoard, AutoCloseable owned) {
        this.stopBoard = stopBoard;
        this.rigName = rigName;
        this.settings = settings;
        this.console = console;
        this.controls = controls;
        this.flasher = flasher;
        this.owned = owned;
        this.registrationId = settings.registrationId();
    }

    @Override
    public String kind() {
        return settings.kind();
    }

    @Override
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("device", settings.kind());
        labels.put("firmware", settings.inputs().image().binSha256Hex());
        labels.put("firmware-version", settings.inputs().firmwareVersion());
        labels.putAll(settings.labels());
        return labels;
    }

    @Override
    public <T> Optional<T> facet(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    // ---- the configuration console ----

    @Override
    public synchronized void enterConfigurationMode() throws DeviceException {
        booting = false;
        controls.perform(ControlAction.PRESS_A);
        try {
            console.awaitQuiet(SETTLE, SETTLE_DEADLINE);
            console.markReset();
            controls.perform(ControlAction.RESET);
            AnyMatch banner = expectAny(List.of(BANNER, CONFIGURATION, USER_MODE), settings.bootDeadline(),
                    "the boot banner after a reset");
            if (banner.index() != 0 && !onlyTheEndOfABannerBefore(banner.pattern())) {
                throw new DeviceException("the board printed \"" + banner.match().line().trim() + "\" without the "
                        + "DevKit's boot banner (** MXChip - Microsoft IoT Developer Kit **) before it; is this an AZ3166 "
                        + "running the DevKit firmware? its console so far: " + String.join(" | ", tail(console.log(), 6)));
            }
            if (banner.index() != 0) {
                awaitBannerAfterLostStart(banner.match().line().trim());
            }
            AnyMatch mode = expectAny(List.of(CONFIGURATION, USER_MODE), settings.bootDeadline(), "the configuration console");
            if (mode.index() == 1) {
                throw new DeviceException("the board booted in user mode, not configuration mode: button A was not "
                        + "held during the reset; check the rig's press-a control (or hold A yourself)");
            }
            awaitLine(PROMPT, settings.bootDeadline(), "the configuration console's prompt \"# \"");
        } finally {
            controls.perform(ControlAction.RELEASE_A);
        }
        inConfigurationMode = true;
        probe();
        checkFirmwareVersionOnce();
    }

    /**
     * Whether the board printed nothing after the reset before the line {@code mode} matches but, at most, the end
     * of a banner whose start was cut off: the start of the boot's output did not arrive, which is not the firmware's
     * doing (a board that prints another banner prints whole lines of it).
     */
    private boolean onlyTheEndOfABannerBefore(Pattern mode) {
        for (String line : console.printedSinceReset()) {
            if (mode.matcher(line).find()) {
                return true;
            }
            String text = line.strip();
            if (!text.isEmpty() && BANNER_LINES.stream().noneMatch(b -> b.endsWith(text))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A mode line came first after the reset, with no banner before it. Either it is the end of an earlier boot's
     * output that arrived after the reset was sent (the banner of this boot follows), or the start of this boot's
     * output was lost on its way: a USB serial adapter that re-enumerates as the board resets, or an exporter that
     * reconnects, drops what the board prints until it is back.
     */
    private void awaitBannerAfterLostStart(String firstLine) throws DeviceException {
        try {
            console.expect(BANNER, settings.bootDeadline());
        } catch (ExpectTimeoutException e) {
            throw new DeviceException("rig " + rigName + ": the start of the board's boot output was lost on the wire: "
                    + "the first line that arrived after the reset was \"" + firstLine + "\", and the DevKit's boot "
                    + "banner (** MXChip - Microsoft IoT Developer Kit **), which every boot prints before it, did not "
                    + "follow within " + settings.bootDeadline().toMillis() / 1000.0 + " s. The firmware printed it; "
                    + "the serial link lost it, as a USB serial adapter that re-enumerates when the board resets (or "
                    + "an exporter that reconnects) does. Connect the console through an adapter that stays up across "
                    + "a reset of the board (the AZ3166's on-board ST-Link does), then run again; its console so far: "
                    + String.join(" | ", tail(console.log(), 6)), e);
        } catch (ConsoleException e) {
            throw new DeviceException("rig " + rigName + ", waiting for the boot banner after a reset: " + e.getMessage(), e);
        }
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    /** The help probe the IoT Workbench uses, so a console that only looks like the DevKit's is not taken for it. */
    private void probe() throws DeviceException {
        sendRaw(HELP_PROBE);
        awaitLine(PROBE_ANSWER, Duration.ofSeconds(10), "the answer to the help probe (a \" - set_…: \" line)");
        awaitLine(Pattern.compile("set_dps_uds"), Duration.ofSeconds(10), "set_dps_uds in the help list");
        awaitPrompt();
    }

    /** The board must run the firmware version the rig file declares: the reference certificate depends on it. */
    private void checkFirmwareVersionOnce() throws DeviceException {
        if (versionChecked) {
            return;
        }
        sendLine("version");
        String running = expectAny(List.of(VERSION), Duration.ofSeconds(10), "the version command's answer").match().group(1);
        awaitPrompt();
        if (!running.equals(settings.inputs().firmwareVersion())) {
            throw new DeviceException("the board runs firmware " + running + " but the rig file says firmware-version "
                    + settings.inputs().firmwareVersion() + "; correct the rig file or flash the expected firmware");
        }
        versionChecked = true;
    }

    private void awaitPrompt() throws DeviceException {
        // The prompt is the last thing printed after a command; skip any earlier ones (an empty line prints one too).
        awaitLine(PROMPT, Duration.ofSeconds(10), "the prompt \"# \"");
    }

    @Override
    public synchronized void resetIntoUserMode() throws DeviceException {
        console.awaitQuiet(SETTLE, SETTLE_DEADLINE);
        console.markReset();
        controls.perform(ControlAction.RESET);
        booting = true;
        started = "a reset";
        inConfigurationMode = false;
        verdict = null;
    }

    @Override
    public synchronized void powerCycle() throws DeviceException {
        controls.perform(ControlAction.POWER_OFF);
        console.awaitQuiet(SETTLE, SETTLE_DEADLINE);
        console.markReset();
        controls.perform(ControlAction.POWER_ON);
        booting = true;
        started = "a power-on";
        inConfigurationMode = false;
        verdict = null;
    }

    @Override
    public boolean canReflash() {
        return flasher.isPresent();
    }

    private void sendRaw(String text) throws DeviceException {
        try {
            console.send(text);
        } catch (ConsoleException e) {
            throw new DeviceException(e.getMessage());
        }
    }

    @Override
    public void sendLine(String line) throws DeviceException {
        try {
            console.sendLine(line);
        } catch (ConsoleException e) {
            throw new DeviceException(e.getMessage());
        }
    }

    @Override
    public void sendLineWithSecret(String prefix, Secret secret, String suffix) throws DeviceException {
        try {
            console.sendLineWithSecret(prefix, secret, suffix);
        } catch (ConsoleException e) {
            throw new DeviceException(e.getMessage());
        }
    }

    @Override
    public String expectLine(Pattern pattern, Duration deadline) throws DeviceException {
        // The console's message says which line was awaited.
        return awaitLine(pattern, deadline, null);
    }

    private String awaitLine(Pattern pattern, Duration deadline, String what) throws DeviceException {
        return expectAny(List.of(pattern), deadline, what).match().line();
    }

    private AnyMatch expectAny(List<Pattern> patterns, Duration deadline, String what) throws DeviceException {
        try {
            return console.expectAny(patterns, deadline);
        } catch (ConsoleException e) {
            throw new DeviceException("rig " + rigName + (what == null ? "" : ", waiting for " + what) + ": "
                    + stuckInConfigurationMode().map(stuck -> stuck + "; ").orElse("") + e.getMessage(), e);
        }
    }

    /**
     * When the board was started into user mode but printed its configuration console, the reason no expected line
     * came: the opposite of the message {@link #enterConfigurationMode()} gives.
     */
    private Optional<String> stuckInConfigurationMode() {
        if (!booting) {
            return Optional.empty();
        }
        return console.printedSinceReset(CONFIGURATION).map(line -> "the board came up in configuration mode after "
                + started + " without button A (it printed \"" + line.trim() + "\"): is button A stuck, or the rig's "
                + "press-a control still held (does release-a release it)?");
    }

    // ---- DICE identity ----

    @Override
    public synchronized void writeUds(Secret uds) throws DeviceException {
        enterConfigurationMode();
        // As the IoT Workbench sends values: the command, the value in double quotes, CR.
        sendLineWithSecret("set_dps_uds \"", uds, "\"");
        AnyMatch answer = expectAny(List.of(UDS_ACCEPTED, UDS_REFUSED), Duration.ofSeconds(10), "the answer to set_dps_uds");
        if (answer.index() != 0) {
            throw new DeviceException("the board did not take the UDS: it answered \"" + answer.match().line() + "\"");
        }
        awaitPrompt();
    }

    @Override
    public synchronized void useRegistrationId(String id) throws DeviceException {
        if (registrationId.equals(Optional.of(id))) {
            return;
        }
        if (flasher.isEmpty()) {
            throw new DeviceException("this board's firmware was built with registration id "
                    + registrationId.orElse("(automatic)") + " (device.registration-id in the rig file), so a scenario "
                    + "cannot give it \"" + id + "\"; use scenarios that keep the registration id the firmware was built with");
        }
        // No check here: the firmware judges the id at boot, and its own words for a bad one are part of what is tested.
        flasher.get().accept(Optional.of(id));
        registrationId = Optional.of(id);
    }

    @Override
    public synchronized void useAutomaticRegistrationId() throws DeviceException {
        if (registrationId.isEmpty()) {
            return;
        }
        if (flasher.isEmpty()) {
            throw new DeviceException("this board's firmware was built with registration id " + registrationId.get()
                    + ", not the automatic one; a scenario cannot change it");
        }
        flasher.get().accept(Optional.empty());
        registrationId = Optional.empty();
    }

    @Override
    public synchronized String expectedRegistrationId() throws DeviceException {
        return settings.inputs().registrationId(registrationId);
    }

    @Override
    public Path firmwareBin() {
        return settings.inputs().bin();
    }

    @Override
    public Path firmwareMap() {
        return settings.inputs().map();
    }

    @Override
    public String mac() {
        return settings.inputs().mac();
    }

    @Override
    public String firmwareVersion() {
        return settings.inputs().firmwareVersion();
    }

    // ---- the boot ----

    @Override
    public void boot() throws DeviceException {
        resetIntoUserMode();
    }

    /** The console's verdict: the firmware's success or failure line, whichever comes first. */
    @Override
    public synchronized BootReport awaitBoot(Duration deadline) {
        if (verdict != null) {
            return verdict;
        }
        if (!booting) {
            return new BootReport.NoVerdict("a boot, but the board was never reset into user mode");
        }
        try {
            AnyMatch m = console.expectAny(List.of(ASSIGNED, GAVE_UP), deadline);
            // The firmware does not print the device id (devkit.md §2.2); the service's records have it.
            verdict = m.index() == 0 ? new BootReport.Connected(m.match().group(1), "")
                    : new BootReport.Failed("the console said: " + m.match().line().trim());
        } catch (ConsoleException e) {
            return new BootReport.NoVerdict("the firmware's registration outcome on the console ("
                    + stuckInConfigurationMode().orElse(e.getMessage().lines().findFirst().orElse("")) + ")");
        }
        return verdict;
    }

    @Override
    public List<String> consoleLog() {
        return console.log();
    }

    @Override
    public synchronized void resetForScenario() {
        // A virtual board is switched off so no boot of the last scenario reaches the next one's timeline.
        stopBoard.run();
        verdict = null;
        booting = false;
        console.clearLog();
        // A scenario that reflashed the sketch with another registration id leaves the board as the rig file says: the
        // next scenario on this board (in parallel runs, whichever comes next) must not inherit its firmware.
        if (flasher.isPresent() && !registrationId.equals(settings.registrationId())) {
            flasher.get().accept(settings.registrationId());
            registrationId = settings.registrationId();
        }
    }

    @Override
    public void close() {
        if (inConfigurationMode && flasher.isEmpty()) {
            // Never leave a bench board in configuration mode without saying so.
            try {
                resetIntoUserMode();
                System.err.println("firstboot: the board on " + settings.labels().getOrDefault("port", "its port")
                        + " was in configuration mode at the end of the run; it has been reset into user mode");
            } catch (DeviceException e) {
                System.err.println("firstboot: the board on " + settings.labels().getOrDefault("port", "its port")
                        + " is still in configuration mode (" + e.getMessage() + "); reset it by hand");
            }
        }
        console.close();
        try {
            owned.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }
}
