package dev.firstboot.device.devkit;

import dev.firstboot.identity.dice.DiceEngine;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.identity.dice.Uds;
import dev.firstboot.rig.Backend;
import dev.firstboot.secret.Redactor;
import dev.firstboot.service.TestBackends;
import dev.firstboot.timeline.Timeline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The virtual DevKit seen from its pty, as screen or the harness would see it. */
class VirtualDevKitTest {
    static final Path FIRMWARE = Path.of("firmware/devkit-dps-a");
    static final Path BIN = FIRMWARE.resolve("DPS.ino.bin");
    static final Path MAP = FIRMWARE.resolve("DPS.ino.map");
    static final String UDS = DevKitConsoleTest.UDS;
    static final String PROMPT = DevKitConsole.PROMPT;
    static final String REGISTRATION_ID = "virtual-devkit-01";
    static final Duration REGISTRATION_DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private VirtualDevKit.Builder kit() {
        return VirtualDevKit.builder(dir.resolve("state"), BIN, MAP);
    }

    private PtyTerminal terminal(VirtualDevKit kit) throws Exception {
        return keep(new PtyTerminal(kit.userSide()));
    }

    /** Power on, then hold A across a reset: configuration mode, read up to the console's first prompt. */
    private static void enterConfigurationMode(VirtualDevKit kit, PtyTerminal term) throws Exception {
        kit.powerOn();
        kit.press(Button.A);
        kit.reset();
        kit.release(Button.A);
        term.await(DevKitConsoleTest.HELP_2_0_0 + PROMPT);
    }

    private static void storeUds(VirtualDevKit kit, PtyTerminal term) throws Exception {
        enterConfigurationMode(kit, term);
        term.type("set_dps_uds " + UDS + "\r");
        term.await("INFO: Set DPS UDS successfully.\r\n" + PROMPT);
    }

    @Test
    void holdingAAcrossResetShowsTheBannerTheHelpAndThePrompt() throws Exception {
        VirtualDevKit kit = keep(kit().build());
        PtyTerminal term = terminal(kit);
        kit.powerOn();
        term.await("DiceInit failed! Check UDS string provided or set on configuration mode");
        kit.press(Button.A);
        kit.reset();
        kit.release(Button.A);
        assertThat(term.await(PROMPT)).endsWith(DevKitBoot.BANNER + DevKitConsoleTest.HELP_2_0_0 + PROMPT)
                .doesNotContain(DevKitBoot.USER_MODE_HINT);
        assertThat(kit.state()).isEqualTo(new BoardState.Configuration(true));
    }

    @Test
    void setDpsUdsEchoesStarsAndPrintsTheQuirkLines() throws Exception {
        VirtualDevKit kit = keep(kit().build());
        PtyTerminal term = terminal(kit);
        enterConfigurationMode(kit, term);
        term.type("set_dps_uds " + UDS + "\r");
        assertThat(term.await(PROMPT)).isEqualTo("set_dps_uds " + "*".repeat(64)
                + "\r\nInvalid UDS.\r\nINFO: Set DPS UDS successfully.\r\n" + PROMPT);
    }

    @Test
    void theUdsSurvivesCloseAndAUserModeBootWithoutEndpointsPrintsTheFailureLines() throws Exception {
        try (VirtualDevKit first = kit().build(); PtyTerminal term = new PtyTerminal(first.userSide())) {
            first.powerOn();
            assertThat(term.await("Please set the value in configuration mode."))
                    .contains("The DPS UDS string is empty.");
            storeUds(first, term);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
                && t.getName().startsWith("virtual-devkit"));

        VirtualDevKit second = keep(kit().build());
        PtyTerminal term = terminal(second);
        second.powerOn();
        String boot = term.await("registration failed!");
        assertThat(boot).contains("DevKit MAC Address: a0b1c2d3e4f5", "DevKit Firmware Version: 2.0.0",
                "Failure encountered on registration!").doesNotContain("DiceInit failed", "UDS string is empty");
        assertThat(second.state()).isInstanceOf(BoardState.User.class);
    }

    @Test
    void udsEchoVisibleDefectLeaksTheSecretOnTheSerialLine() throws Exception {
        VirtualDevKit kit = keep(kit().defects(Set.of(DevKitDefect.UDS_ECHO_VISIBLE)).build());
        PtyTerminal term = terminal(kit);
        enterConfigurationMode(kit, term);
        term.type("set_dps_uds " + UDS + "\r");
        assertThat(term.await(PROMPT)).startsWith("set_dps_uds " + UDS + "\r\n").doesNotContain("*");
    }

    @Test
    void noInvalidUdsQuirkDefectOmitsTheInvalidUdsLineOn200() throws Exception {
        VirtualDevKit kit = keep(kit().defects(Set.of(DevKitDefect.NO_INVALID_UDS_QUIRK)).build());
        PtyTerminal term = terminal(kit);
        enterConfigurationMode(kit, term);
        term.type("set_dps_uds " + UDS + "\r");
        assertThat(term.await(PROMPT)).isEqualTo("set_dps_uds " + "*".repeat(64)
                + "\r\nINFO: Set DPS UDS successfully.\r\n" + PROMPT);
    }

    @Test
    void aBootstrappedDevKitRegistersWithTheEmbeddedDpsAndPrintsTheAssignedHub() throws Exception {
        Timeline timeline = new Timeline(new Redactor());
        Backend backend = keep(TestBackends.embedded(timeline));
        enroll(backend);
        VirtualDevKit kit = keep(kit().registrationId(REGISTRATION_ID).endpoints(backend.deviceEndpoints())
                .timeline(timeline).build());
        PtyTerminal term = terminal(kit);
        storeUds(kit, term);
        kit.reset(); // A released: user mode
        String hub = backend.hubHost("hub-a").orElseThrow();
        String boot = term.await("Registration Information received from service: " + hub + "!\r\n",
                REGISTRATION_DEADLINE);
        assertThat(boot).contains("Info: >>>Provisioning Status: PROV_DEVICE_REG_STATUS_CONNECTED")
                .doesNotContain("registration failed!");
        assertThat(backend.registration(REGISTRATION_ID)).hasValueSatisfying(r ->
                assertThat(r.status()).isEqualTo("assigned"));
    }

    @Test
    void wrongRegistrationIdDefectIsRefusedByDps() throws Exception {
        Timeline timeline = new Timeline(new Redactor());
        Backend backend = keep(TestBackends.embedded(timeline));
        enroll(backend);
        VirtualDevKit kit = keep(kit().registrationId(REGISTRATION_ID).endpoints(backend.deviceEndpoints())
                .defects(Set.of(DevKitDefect.WRONG_REGISTRATION_ID)).timeline(timeline).build());
        PtyTerminal term = terminal(kit);
        storeUds(kit, term);
        kit.reset();
        String boot = term.await("registration failed!", REGISTRATION_DEADLINE);
        assertThat(boot).contains("Failure encountered on registration!")
                .doesNotContain("Registration Information received from service");
    }

    @Test
    void aResetCancelsARegistrationThatWaitsOnRetryAfterAndLeavesNoThreadBehind() throws Exception {
        Timeline timeline = new Timeline(new Redactor());
        Backend backend = keep(TestBackends.embedded(timeline));
        backend.setRetryAfter(Duration.ofSeconds(60));
        enroll(backend);
        VirtualDevKit kit = keep(kit().registrationId(REGISTRATION_ID).endpoints(backend.deviceEndpoints())
                .timeline(timeline).build());
        PtyTerminal term = terminal(kit);
        storeUds(kit, term);
        kit.reset();
        term.await("Registration status: ASSIGNING\r\n", REGISTRATION_DEADLINE);
        long started = System.nanoTime();
        kit.press(Button.A);
        kit.reset();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(VirtualDevKit.STOP_DEADLINE);
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.isAlive()
                && t.getName().equals("virtual-devkit-registration"));
        assertThat(term.await(PROMPT)).doesNotContain("Registration Information", "registration failed!");
        assertThat(kit.state()).isEqualTo(new BoardState.Configuration(true));
    }

    /** Enrolls the alias certificate a conforming DevKit derives, computed independently of the VirtualDevKit. */
    private static void enroll(Backend backend) throws Exception {
        FirmwareImage image = FirmwareImage.parse(Files.readAllBytes(BIN),
                Files.readString(MAP, StandardCharsets.ISO_8859_1));
        byte[] alias = DiceEngine.derive(Uds.parse(UDS), image, REGISTRATION_ID).aliasCertDer();
        backend.enrollX509Individual(REGISTRATION_ID, alias, Optional.empty(), "hub-a", true);
    }
}
