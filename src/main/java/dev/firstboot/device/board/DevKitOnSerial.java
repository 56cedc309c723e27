package dev.firstboot.device.board;

import dev.firstboot.device.serial.AnyMatch;
import dev.firstboot.device.serial.ConsoleException;
import dev.firstboot.device.serial.ExpectConsole;
import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.identity.dice.RegistrationIds;
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
    static final Pattern USER_MODE = Pattern.compile("You can 1\\. press Button A and reset");
    static final Pattern CONFIGURATION = Pattern.compile("Configuration console:");
    static final Pattern PROMPT = Pattern.compile("^# ");
    static final Pattern UDS_ACCEPTED = Pattern.compile("INFO: Set DPS UDS successfully\\.");
    static final Pattern UDS_REFUSED = Pattern.compile("Usage: set_dps_uds|ERROR: |Error:");
    static final Pattern ASSIGNED = Pattern.compile("Registration Information received from service: (.+)!");
    /** Lines after which the firmware will not register on this boot. */
    static final Pattern GAVE_UP = Pattern.compile("registration failed!|DiceInit failed!|The length of DPS UDS string must be 64"
            + "|The DPS UDS string is empty|Unable to get DPS UDS string|Input value for registrationId in DPS\\.ino");

    record Settings(String kind, Path bin, Path map, FirmwareImage image, String mac, String firmwareVersion,
                    Optional<String> registrationId, Duration bootDeadline, Map<String, String> labels) {
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

    DevKitOnSerial(Settings settings, ExpectConsole console, BoardControls controls,
                   Optional<Consumer<Optional<String>>> flasher, Runnable stopBoard, AutoCloseable owned) {
        this.stopBoard = stopBoard;
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
        labels.put("firmware", settings.image().binSha256Hex());
        labels.put("firmware-version", settings.firmwareVersion());
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
            console.markReset();
            controls.perform(ControlAction.RESET);
            awaitLine(BANNER, settings.bootDeadline(), "the boot banner after a reset");
            AnyMatch mode = expectAny(List.of(CONFIGURATION, USER_MODE), settings.bootDeadline(), "the configuration console");
            if (mode.index() == 1) {
                throw new DeviceException("the board booted in user mode, not configuration mode: button A was not "
                        + "held during the reset; check the rig's press-a control (or hold A yourself)");
            }
            awaitLine(PROMPT, settings.bootDeadline(), "the configuration console's prompt \"# \"");
        } finally {
            controls.perform(ControlAction.RELEASE_A);
        }
    }

    @Override
    public synchronized void resetIntoUserMode() throws DeviceException {
        console.markReset();
        controls.perform(ControlAction.RESET);
        booting = true;
        verdict = null;
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
    public void sendLineWithSecret(String prefix, Secret secret) throws DeviceException {
        try {
            console.sendLineWithSecret(prefix, secret);
        } catch (ConsoleException e) {
            throw new DeviceException(e.getMessage());
        }
    }

    @Override
    public String expectLine(Pattern pattern, Duration deadline) throws DeviceException {
        return awaitLine(pattern, deadline, "a line matching /" + pattern + "/");
    }

    private String awaitLine(Pattern pattern, Duration deadline, String what) throws DeviceException {
        return expectAny(List.of(pattern), deadline, what).match().line();
    }

    private AnyMatch expectAny(List<Pattern> patterns, Duration deadline, String what) throws DeviceException {
        try {
            return console.expectAny(patterns, deadline);
        } catch (ConsoleException e) {
            throw new DeviceException("waiting for " + what + ": " + e.getMessage());
        }
    }

    // ---- DICE identity ----

    @Override
    public synchronized void writeUds(Secret uds) throws DeviceException {
        enterConfigurationMode();
        sendLineWithSecret("set_dps_uds ", uds);
        AnyMatch answer = expectAny(List.of(UDS_ACCEPTED, UDS_REFUSED), Duration.ofSeconds(10), "the answer to set_dps_uds");
        if (answer.index() != 0) {
            throw new DeviceException("the board did not take the UDS: it answered \"" + answer.match().line() + "\"");
        }
        awaitLine(PROMPT, Duration.ofSeconds(10), "the prompt after set_dps_uds");
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
        try {
            RegistrationIds.requireValidForCertificate(id);
        } catch (IdentityException e) {
            throw new DeviceException(e.getMessage());
        }
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
        if (registrationId.isPresent()) {
            return registrationId.get();
        }
        try {
            return RegistrationIds.automatic(settings.mac(), settings.firmwareVersion());
        } catch (IdentityException e) {
            throw new DeviceException(e.getMessage());
        }
    }

    @Override
    public Path firmwareBin() {
        return settings.bin();
    }

    @Override
    public Path firmwareMap() {
        return settings.map();
    }

    @Override
    public String mac() {
        return settings.mac();
    }

    @Override
    public String firmwareVersion() {
        return settings.firmwareVersion();
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
                    + e.getMessage().lines().findFirst().orElse("") + ")");
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
    }

    @Override
    public void close() {
        console.close();
        try {
            owned.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }
}
