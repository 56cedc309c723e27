package dev.firstboot.device.devkit;

import dev.firstboot.device.pty.PtyPair;
import dev.firstboot.device.boot.FirstBoot;
import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.DiceEngine;
import dev.firstboot.identity.dice.DiceIdentity;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link DevKitBoard} whose serial line is a real pseudo-terminal: screen, minicom or the harness's serial rig open
 * {@link #userSide()} as they would a board's /dev/ttyACM0. In user mode with a UDS stored, it derives its DICE
 * identity from the UDS and its firmware image exactly as the firmware does (variant A) and registers with DPS over
 * HTTPS, printing the firmware's status and outcome lines, then connects to the assigned hub.
 *
 * <p>It starts powered off, like a board on the bench before it is plugged in; call {@link #powerOn()}. Reset and
 * power-off cancel a registration in progress and wait a bounded time for it to stop.
 */
public final class VirtualDevKit implements AutoCloseable {
    public static final String DEFAULT_FIRMWARE_VERSION = "2.0.0";
    public static final MacAddress DEFAULT_MAC = new MacAddress("a0b1c2d3e4f5");
    /** The ID scope a sketch is built with when no endpoints are configured; it is never contacted. */
    static final String UNCONFIGURED_ID_SCOPE = "0ne00000000";
    static final Duration PTY_DEADLINE = Duration.ofSeconds(5);
    static final Duration STOP_DEADLINE = Duration.ofSeconds(5);
    private static final byte[] STOP_WRITER = new byte[0];

    private final DevKitBoard board;
    private final FirmwareImage image;
    private final Optional<DeviceEndpoints> endpoints;
    private final TimelineSink timeline;
    private final PtyPair pty;
    private final FileOutputStream toPty;
    private final FileInputStream fromPty;
    private final BlockingQueue<byte[]> outgoing = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final Thread reader;
    private BoardState lastBoot;
    private long boots;
    private long bootsHandled;
    private Registration registration;
    private boolean closed;

    /** One registration in progress: its thread, its cancel switch and its hub connection. */
    private static final class Registration {
        final CountDownLatch cancel = new CountDownLatch(1);
        volatile FirstBoot procedure;
        Thread thread;

        boolean cancelled() {
            return cancel.getCount() == 0;
        }
    }

    private final Duration registrationBudget;

    private VirtualDevKit(Builder b, FirmwareImage image, PtyPair pty) throws IOException {
        this.image = image;
        this.endpoints = b.endpoints;
        this.timeline = b.timeline;
        this.pty = pty;
        this.registrationBudget = b.registrationBudget;
        DpsSketch sketch = b.endpoints
                .map(e -> new DpsSketch(e.dps().getHost(), e.idScope(), b.registrationId))
                .orElse(new DpsSketch(DpsSketch.GLOBAL_ENDPOINT, UNCONFIGURED_ID_SCOPE, b.registrationId));
        this.board = DevKitBoard.builder(DevKitFirmware.of(b.firmwareVersion), b.mac, b.stateDirectory)
                .sketch(sketch).defects(b.defects).onOutput(outgoing::add).onBoot(this::booted).build();
        this.toPty = new FileOutputStream(pty.deviceSide().toFile());
        this.fromPty = new FileInputStream(pty.deviceSide().toFile());
        this.writer = new Thread(this::writeLoop, "virtual-devkit-serial-out");
        this.reader = new Thread(this::readLoop, "virtual-devkit-serial-in");
        writer.setDaemon(true);
        reader.setDaemon(true);
        writer.start();
        reader.start();
    }

    /**
     * @param stateDirectory where the board keeps its STSAFE zones; a new VirtualDevKit on the same folder finds them
     * @param firmwareBin    the DPS sketch's image, e.g. {@code DPS.ino.bin}
     * @param firmwareMap    its linker map, e.g. {@code DPS.ino.map}
     */
    public static Builder builder(Path stateDirectory, Path firmwareBin, Path firmwareMap) {
        return new Builder(stateDirectory, firmwareBin, firmwareMap);
    }

    /** The pty path a person or the harness opens (the link, e.g. {@code <state>/ttyDevKit}). */
    public Path userSide() {
        return pty.userSide();
    }

    /** The real tty behind {@link #userSide()}, e.g. /dev/pts/3. */
    public Path userTty() throws IOException {
        return pty.userTty();
    }

    public synchronized BoardState state() {
        return board.state();
    }

    /**
     * Reflashes the DPS sketch with another registration id (empty: the automatic one), as a developer would rebuild
     * DPS.ino; the next boot uses it. The stored UDS is kept.
     */
    public synchronized void flashRegistrationId(Optional<String> registrationId) {
        DpsSketch now = board.sketch();
        board.flash(new DpsSketch(now.globalDeviceEndpoint(), now.idScope(), registrationId));
    }

    public synchronized void powerOn() {
        control("power on");
        board.powerOn();
        startRegistrationAfterBoot();
    }

    public synchronized void powerOff() {
        control("power off");
        stopRegistration();
        board.powerOff();
        if (board.defects().contains(DevKitDefect.UDS_NOT_PERSISTED)) {
            board.forgetUds(); // DEFECT HOOK (UDS_NOT_PERSISTED): the UDS was only ever in RAM
        }
    }

    /** Press and release Reset: a registration in progress is cancelled, then the board boots. */
    public synchronized void reset() {
        control("reset");
        stopRegistration();
        board.reset();
        startRegistrationAfterBoot();
    }

    public synchronized void press(Button button) {
        control("press " + button);
        board.press(button);
    }

    public synchronized void release(Button button) {
        control("release " + button);
        board.release(button);
    }

    private synchronized void input(byte[] bytes) {
        if (closed) {
            return;
        }
        board.input(bytes);
        if (boots != bootsHandled) {
            // The console's exit rebooted the board, perhaps into user mode.
            stopRegistration();
            startRegistrationAfterBoot();
        }
    }

    /** Board boot listener: runs under the board's lock, so it only notes the boot; the caller acts on it. */
    private void booted(BoardState state) {
        lastBoot = state;
        boots++;
    }

    private void startRegistrationAfterBoot() {
        if (boots == bootsHandled) {
            return;
        }
        bootsHandled = boots;
        if (lastBoot instanceof BoardState.User user && user.plan() instanceof BootPlan.Register plan) {
            Registration r = new Registration();
            r.thread = new Thread(() -> register(plan, r), "virtual-devkit-registration");
            r.thread.setDaemon(true);
            registration = r;
            r.thread.start();
        }
    }

    /** Cancels a registration in progress, drops its hub connection and waits a bounded time for its thread. */
    private void stopRegistration() {
        Registration r = registration;
        registration = null;
        if (r == null) {
            return;
        }
        r.cancel.countDown();
        FirstBoot procedure = r.procedure;
        if (procedure != null) {
            procedure.close();
        }
        r.thread.interrupt();
        try {
            r.thread.join(STOP_DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The registration thread: what {@code DevkitDPSClientStart} does after the checks {@link DevKitBoot} made. */
    private void register(BootPlan.Register plan, Registration r) {
        FirmwareProgress progress = new FirmwareProgress(r);
        if (endpoints.isEmpty()) {
            // No DPS to reach: the HTTP transport fails and the register callback reports the error.
            failedBeforeDps(progress, plan, "no DPS endpoint is configured for this virtual DevKit");
            return;
        }
        FirstBoot.Identity identity;
        try {
            identity = identity(plan);
            progress.aliasKey = identity.key();
        } catch (IdentityException | CertificateException e) {
            failedBeforeDps(progress, plan, "the DICE identity could not be derived: " + e.getMessage());
            return;
        }
        FirstBoot.Behaviour conforming = FirstBoot.Behaviour.conforming().withRegistrationDeadline(registrationBudget);
        // DEFECT HOOK (SLOW_REGISTRATION): the first DPS request goes out late.
        FirstBoot.Behaviour behaviour = board.defects().contains(DevKitDefect.SLOW_REGISTRATION)
                ? conforming.withBootDelay(DevKitDefect.SLOW_REGISTRATION_DELAY)
                : conforming;
        FirstBoot procedure = new FirstBoot(endpoints.get(), timeline, progress, identity,
                behaviour, d -> !r.cancel.await(d.toNanos(), TimeUnit.NANOSECONDS));
        r.procedure = procedure;
        if (r.cancelled()) {
            return;
        }
        try {
            procedure.run();
        } catch (InterruptedException e) {
            // cancelled by reset or power-off
        } catch (RuntimeException e) {
            progress.failed("the virtual DevKit failed: " + e);
        }
    }

    private void failedBeforeDps(FirmwareProgress progress, BootPlan.Register plan, String reason) {
        timeline.record(Origin.DEVICE, EventKind.DEVICE_MILESTONE, plan.registrationId(),
                Map.of("milestone", "failed", "reason", reason));
        progress.failed(reason);
    }

    /** The identity the firmware derives (variant A): alias certificate alone, CN = registration id. */
    private FirstBoot.Identity identity(BootPlan.Register plan) throws IdentityException, CertificateException {
        String registrationId = plan.registrationId();
        // DEFECT HOOK (WRONG_REGISTRATION_ID): the certificate is made for another CN than the one registered.
        String certificateCn = board.defects().contains(DevKitDefect.WRONG_REGISTRATION_ID)
                ? registrationId + "-x" : registrationId;
        // DEFECT HOOK (STANDARD_SHA256_MEASUREMENT): CDI from standard SHA-256 instead of the firmware's DICE hash.
        DiceIdentity id = board.defects().contains(DevKitDefect.STANDARD_SHA256_MEASUREMENT)
                ? DiceEngine.deriveFromCdi(standardSha256Cdi(plan.udsBytes()), image, certificateCn)
                : DiceEngine.derive(plan.udsBytes(), image, certificateCn);
        X509Certificate alias = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(id.aliasCertDer()));
        return new FirstBoot.Identity(registrationId, id.aliasKey().getPrivate(), List.of(alias));
    }

    private byte[] standardSha256Cdi(byte[] uds) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            byte[] udsDigest = sha.digest(uds);
            byte[] coreDigest = sha.digest(image.riotCore());
            sha.update(udsDigest);
            return sha.digest(coreDigest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The firmware's status and register callbacks. Lines are printed under the board's lock and only while this
     * registration is current, so a reset never gets a stale line from the boot it cancelled.
     */
    private final class FirmwareProgress implements FirstBoot.Progress {
        private final Registration registration;
        private boolean assigned;
        /** For the ALIAS_KEY_ON_FAILURE defect only: the key it dumps. */
        private java.security.PrivateKey aliasKey;

        FirmwareProgress(Registration registration) {
            this.registration = registration;
        }

        @Override
        public void registering() {
            // The C SDK reports CONNECTED once the transport is up, then REGISTERING once the request is out.
            status(RegistrationStatus.CONNECTED);
            status(RegistrationStatus.REGISTERING);
        }

        @Override
        public void assigning() {
            status(RegistrationStatus.ASSIGNING);
        }

        @Override
        public void assigned(String hubHost, String deviceId) {
            assigned = true;
            if (!board.defects().contains(DevKitDefect.NO_HUB_LINE)) { // DEFECT HOOK (NO_HUB_LINE)
                outcome(new RegistrationOutcome.Assigned(hubHost, deviceId));
            }
        }

        @Override
        public void hubConnected(String hubHost, String deviceId) {
            // The DPS library prints nothing here; the hub milestone is on the timeline.
        }

        @Override
        public void failed(String reason) {
            if (!assigned && aliasKey instanceof java.security.interfaces.ECPrivateKey ec
                    && board.defects().contains(DevKitDefect.ALIAS_KEY_ON_FAILURE)) { // DEFECT HOOK (ALIAS_KEY_ON_FAILURE)
                synchronized (board) {
                    if (!registration.cancelled()) {
                        board.reportRegistrationDebug("DEBUG: alias key " + String.format("%064x", ec.getS()));
                    }
                }
            }
            if (!assigned && !board.defects().contains(DevKitDefect.NO_FAILURE_LINE)) { // DEFECT HOOK (NO_FAILURE_LINE)
                outcome(new RegistrationOutcome.Failed());
            }
            // After the assignment the failure is the hub's; the spec gives no serial line for it.
        }

        private void status(RegistrationStatus status) {
            synchronized (board) {
                if (!registration.cancelled()) {
                    board.reportRegistrationStatus(status);
                }
            }
        }

        private void outcome(RegistrationOutcome outcome) {
            synchronized (board) {
                if (!registration.cancelled()) {
                    board.reportRegistrationOutcome(outcome);
                }
            }
        }
    }

    private void control(String action) {
        timeline.record(Origin.CONTROLS, EventKind.CONTROL, "virtual-devkit", Map.of("action", action));
    }

    /** Board output goes through a queue, so a terminal that reads nothing never blocks the board. */
    private void writeLoop() {
        try {
            while (true) {
                byte[] bytes = outgoing.take();
                if (bytes == STOP_WRITER) {
                    return;
                }
                toPty.write(bytes);
                toPty.flush();
            }
        } catch (InterruptedException | IOException e) {
            // closing: socat is gone or we were told to stop
        }
    }

    /** read() in a loop: a tty cannot seek, so FileInputStream.readNBytes fails on it. */
    private void readLoop() {
        byte[] buffer = new byte[256];
        try {
            while (true) {
                int n = fromPty.read(buffer);
                if (n < 0) {
                    return;
                }
                if (n > 0) {
                    input(java.util.Arrays.copyOf(buffer, n));
                }
            }
        } catch (IOException e) {
            // closing: socat is gone
        }
    }

    /** Cancels any registration, powers the board off and stops socat and the serial threads (bounded waits). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            stopRegistration();
            board.powerOff();
        }
        outgoing.add(STOP_WRITER);
        pty.close(); // ends the blocked read (and a blocked write) on the device side
        writer.interrupt();
        join(writer);
        join(reader);
        closeQuietly(toPty);
        closeQuietly(fromPty);
    }

    private static void join(Thread t) {
        try {
            t.join(STOP_DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // the pty is already gone; nothing left to release
        }
    }

    @Override
    public String toString() {
        return "VirtualDevKit[" + pty.userSide() + "]";
    }

    /** Settings of a virtual DevKit; state directory and firmware image and map are required. */
    public static final class Builder {
        private final Path stateDirectory;
        private final Path firmwareBin;
        private final Path firmwareMap;
        private String firmwareVersion = DEFAULT_FIRMWARE_VERSION;
        private MacAddress mac = DEFAULT_MAC;
        private Optional<String> registrationId = Optional.empty();
        private Optional<DeviceEndpoints> endpoints = Optional.empty();
        private TimelineSink timeline = TimelineSink.NONE;
        private Path link;
        private Set<DevKitDefect> defects = Set.of();
        private Duration registrationBudget = FirstBoot.Behaviour.conforming().registrationDeadline();

        private Builder(Path stateDirectory, Path firmwareBin, Path firmwareMap) {
            this.stateDirectory = Objects.requireNonNull(stateDirectory, "stateDirectory");
            this.firmwareBin = Objects.requireNonNull(firmwareBin, "firmwareBin");
            this.firmwareMap = Objects.requireNonNull(firmwareMap, "firmwareMap");
        }

        /** The DevKit SDK version the firmware reports, {@code X.Y.Z} (default 2.0.0). */
        public Builder firmwareVersion(String version) {
            FirmwareVersion.parse(version);
            this.firmwareVersion = version;
            return this;
        }

        public Builder mac(MacAddress mac) {
            this.mac = Objects.requireNonNull(mac, "mac");
            return this;
        }

        /** The registration id compiled into the sketch; the firmware checks it at boot. */
        public Builder registrationId(String registrationId) {
            this.registrationId = Optional.of(Objects.requireNonNull(registrationId, "registrationId"));
            return this;
        }

        /** The sketch leaves the id empty: the firmware generates {@code az-<mac>v<x>v<y>v<z>} (the default). */
        public Builder automaticRegistrationId() {
            this.registrationId = Optional.empty();
            return this;
        }

        /** Where DPS is; without endpoints a user-mode boot fails as with an unreachable DPS. */
        public Builder endpoints(DeviceEndpoints endpoints) {
            this.endpoints = Optional.of(Objects.requireNonNull(endpoints, "endpoints"));
            return this;
        }

        public Builder timeline(TimelineSink timeline) {
            this.timeline = Objects.requireNonNull(timeline, "timeline");
            return this;
        }

        /** The symlink to the user side of the pty (default {@code <state>/ttyDevKit}). */
        public Builder link(Path link) {
            this.link = Objects.requireNonNull(link, "link");
            return this;
        }

        public Builder defects(Set<DevKitDefect> defects) {
            this.defects = Set.copyOf(defects);
            return this;
        }

        /** How long the firmware keeps trying DPS (and then its hub) before it gives up (default 60 s). */
        public Builder registrationBudget(Duration budget) {
            this.registrationBudget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * Reads the firmware image, opens the pty pair and starts the serial threads; the board is powered off.
         *
         * @throws IllegalArgumentException the image or map is missing or not a DevKit DPS build
         * @throws IOException              the state directory or the pty could not be set up
         */
        public VirtualDevKit build() throws IOException {
            FirmwareImage image = readImage();
            Files.createDirectories(stateDirectory);
            Path userSide = link != null ? link : stateDirectory.resolve("ttyDevKit");
            Path deviceSide = userSide.resolveSibling("." + userSide.getFileName() + ".device");
            PtyPair pty = PtyPair.open(deviceSide, userSide, PTY_DEADLINE);
            try {
                return new VirtualDevKit(this, image, pty);
            } catch (IOException | RuntimeException e) {
                pty.close();
                throw e;
            }
        }

        private FirmwareImage readImage() throws IOException {
            for (Path file : List.of(firmwareBin, firmwareMap)) {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("the firmware file " + file + " does not exist (or is not a "
                            + "regular file); give the DPS sketch's .bin and .map, e.g. DPS.ino.bin and DPS.ino.map");
                }
            }
            byte[] bin = Files.readAllBytes(firmwareBin);
            String map = Files.readString(firmwareMap, StandardCharsets.ISO_8859_1);
            try {
                return FirmwareImage.parse(bin, map);
            } catch (IdentityException e) {
                throw new IllegalArgumentException("firmware " + firmwareBin + " with map " + firmwareMap + ": "
                        + e.getMessage());
            }
        }
    }
}
