package dev.firstboot.device.devkit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A simulated MXChip AZ3166 running the DevKit firmware with the DPS sample: power, reset, the A and B buttons, the
 * serial line and the STSAFE storage in a state directory. It starts powered off. Listeners are called on the
 * caller's thread while the board is locked; they must not call back into the board.
 */
public final class DevKitBoard {
    private final DevKitFirmware firmware;
    private final StsafeStorage storage;
    private DevKitBoot boot;
    private final MacAddress mac;
    private final Clock clock;
    private DpsSketch sketch;
    private final List<String> visibleNetworks;
    private final boolean wifiInitialises;
    private final Consumer<byte[]> output;
    private final Consumer<BoardState> bootListener;
    private final Set<DevKitDefect> defects;
    private final Set<Button> held = EnumSet.noneOf(Button.class);
    private BoardState state = new BoardState.Off();
    private DevKitConsole console;

    private DevKitBoard(Builder b) {
        this.defects = b.defects.isEmpty() ? EnumSet.noneOf(DevKitDefect.class) : EnumSet.copyOf(b.defects);
        // DEFECT HOOK (NO_INVALID_UDS_QUIRK): the build's console lacks the strlen+1 test, whatever its version says.
        this.firmware = defects.contains(DevKitDefect.NO_INVALID_UDS_QUIRK)
                ? b.firmware.withQuirks(new FirmwareVersion.ConsoleQuirks(false,
                        b.firmware.quirks().hasDpsConnectionStringCommand()))
                : b.firmware;
        this.storage = StsafeStorage.open(b.stateDirectory);
        this.mac = b.mac;
        this.clock = b.clock;
        this.sketch = b.sketch;
        this.boot = new DevKitBoot(this.firmware, b.mac, storage, b.sketch, b.clock);
        this.visibleNetworks = List.copyOf(b.visibleNetworks);
        this.wifiInitialises = b.wifiInitialises;
        this.output = b.output;
        this.bootListener = b.bootListener;
    }

    public static Builder builder(DevKitFirmware firmware, MacAddress mac, Path stateDirectory) {
        return new Builder(firmware, mac, stateDirectory);
    }

    /** Flashes the same firmware built from another sketch (say, with another registration id); takes effect at the next boot. */
    public synchronized void flash(DpsSketch newSketch) {
        this.sketch = Objects.requireNonNull(newSketch, "sketch");
        this.boot = new DevKitBoot(firmware, mac, storage, newSketch, clock);
    }

    public synchronized DpsSketch sketch() {
        return sketch;
    }

    /** Power on: the board boots as after a reset. Does nothing if already on. */
    public synchronized void powerOn() {
        if (state instanceof BoardState.Off) {
            boot();
        }
    }

    /** Power off: no more output, input is ignored, storage keeps its contents. */
    public synchronized void powerOff() {
        state = new BoardState.Off();
        console = null;
    }

    /** Press and release Reset. Without power nothing happens. */
    public synchronized void reset() {
        if (!(state instanceof BoardState.Off)) {
            boot();
        }
    }

    /** Holds a button down; it is read at the next reset or power-on. */
    public synchronized void press(Button button) {
        held.add(Objects.requireNonNull(button, "button"));
    }

    public synchronized void release(Button button) {
        held.remove(Objects.requireNonNull(button, "button"));
    }

    /** Bytes arriving on the serial line. Only the configuration console reads them; {@code exit} reboots. */
    public synchronized void input(byte[] bytes) {
        if (console == null) {
            return;
        }
        console.input(bytes);
        if (console.exitRequested()) {
            boot();
        }
    }

    public synchronized BoardState state() {
        return state;
    }

    /** The board's secure element, e.g. to inject a fault or check what the console stored. */
    /** Empties the UDS zone (only a defective board loses it: see {@link DevKitDefect#UDS_NOT_PERSISTED}). */
    synchronized void forgetUds() {
        storage.erase(StsafeZone.DPS_UDS);
    }

    public StsafeStorage storage() {
        return storage;
    }

    public DevKitFirmware firmware() {
        return firmware;
    }

    /** The defects this board was built with (empty for a conforming board). */
    public Set<DevKitDefect> defects() {
        return defects.isEmpty() ? Set.of() : Set.copyOf(defects);
    }

    /**
     * Prints a registration status change, as the firmware's status callback does. Ignored (returns false) unless the
     * board is in user mode and registering.
     */
    public synchronized boolean reportRegistrationStatus(RegistrationStatus status) {
        if (!registering()) {
            return false;
        }
        emit(boot.registrationStatusLines(status));
        return true;
    }

    /**
     * Prints how registration ended. Ignored (returns false) unless the board is in user mode and registering, e.g.
     * when power was cut while the service was answering.
     */
    public synchronized boolean reportRegistrationOutcome(RegistrationOutcome outcome) {
        if (!registering()) {
            return false;
        }
        boot.printRegistrationOutcome(outcome, output);
        return true;
    }

    /** A line the firmware prints while it registers (a debug line); false when no registration is going on. */
    public synchronized boolean reportRegistrationDebug(String line) {
        if (!registering()) {
            return false;
        }
        emit(line + "\r\n");
        return true;
    }

    private boolean registering() {
        return state instanceof BoardState.User user && user.plan() instanceof BootPlan.Register;
    }

    private void boot() {
        console = null;
        // DEFECT HOOK (WRONG_BANNER): another board's name in the banner.
        emit(defects.contains(DevKitDefect.WRONG_BANNER)
                ? DevKitBoot.BANNER.replace("MXChip - Microsoft IoT Developer Kit", "MXChip - IoT Developer Board  ")
                : DevKitBoot.BANNER);
        switch (DevKitBoot.selectMode(held.contains(Button.A), held.contains(Button.B))) {
            case CONFIGURATION -> {
                state = new BoardState.Configuration(wifiInitialises);
                if (wifiInitialises) {
                    console = new DevKitConsole(firmware, storage, visibleNetworks, output);
                    console.defects(defects); // DEFECT HOOK (UDS_ECHO_VISIBLE, UDS_IN_HELP, UDS_IN_COMMAND_LOG, UDS_PREFIX_LEAK)
                    console.start();
                }
            }
            case ACCESS_POINT -> {
                state = new BoardState.AccessPoint();
                emit(boot.accessPointLines());
            }
            case USER -> {
                DevKitBoot.UserModeBoot user = boot.runUserMode();
                emit(user.output());
                state = new BoardState.User(user.plan());
            }
        }
        bootListener.accept(state);
    }

    private void emit(String text) {
        output.accept(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Settings of a board; firmware, MAC and state directory are required. */
    public static final class Builder {
        private final DevKitFirmware firmware;
        private final MacAddress mac;
        private final Path stateDirectory;
        private DpsSketch sketch = DpsSketch.automaticId("0ne00000000");
        private List<String> visibleNetworks = List.of();
        private boolean wifiInitialises = true;
        private Clock clock = Clock.systemUTC();
        private Consumer<byte[]> output = bytes -> { };
        private Consumer<BoardState> bootListener = state -> { };
        private Set<DevKitDefect> defects = Set.of();

        private Builder(DevKitFirmware firmware, MacAddress mac, Path stateDirectory) {
            this.firmware = Objects.requireNonNull(firmware, "firmware");
            this.mac = Objects.requireNonNull(mac, "mac");
            this.stateDirectory = Objects.requireNonNull(stateDirectory, "stateDirectory");
        }

        /** The DPS sample's endpoint, ID scope and registration id (default: global endpoint, automatic id). */
        public Builder sketch(DpsSketch sketch) {
            this.sketch = Objects.requireNonNull(sketch, "sketch");
            return this;
        }

        /** SSIDs the console's {@code scan} finds. */
        public Builder visibleNetworks(List<String> ssids) {
            this.visibleNetworks = List.copyOf(ssids);
            return this;
        }

        /** False makes configuration mode stop silently, as when {@code InitSystemWiFi()} fails. */
        public Builder wifiInitialises(boolean wifiInitialises) {
            this.wifiInitialises = wifiInitialises;
            return this;
        }

        /** The clock of the {@code Time:} field of error log lines. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Receives every byte the board writes to its serial line. */
        public Builder onOutput(Consumer<byte[]> output) {
            this.output = Objects.requireNonNull(output, "output");
            return this;
        }

        /** Told the new state after every boot. */
        public Builder onBoot(Consumer<BoardState> listener) {
            this.bootListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Defects to build in on purpose (default none), see {@link DevKitDefect}. */
        public Builder defects(Set<DevKitDefect> defects) {
            this.defects = Set.copyOf(defects);
            return this;
        }

        public DevKitBoard build() {
            return new DevKitBoard(this);
        }
    }
}
