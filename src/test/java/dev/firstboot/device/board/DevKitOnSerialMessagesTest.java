package dev.firstboot.device.board;

import dev.firstboot.device.FirmwareInputs;
import dev.firstboot.device.devkit.DevKitBoot;
import dev.firstboot.device.pty.PtyPair;
import dev.firstboot.device.serial.ExpectConsole;
import dev.firstboot.device.serial.JSerialCommLink;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.ControlAction;
import dev.firstboot.rig.DeviceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The DevKit driver's messages for a board that misbehaves in a way no virtual DevKit defect covers. The test plays
 * the board on the device side of a real pty pair: every reset brings it up in configuration mode, as a board whose
 * button A is stuck does.
 */
class DevKitOnSerialMessagesTest {
    @TempDir
    Path dir;

    @Test
    void aBoardThatAlwaysComesUpInConfigurationModeIsToldSo() throws Exception {
        try (PtyPair pair = PtyPair.open(dir.resolve("device"), dir.resolve("ttyACM-stuck"), Duration.ofSeconds(5));
             FileOutputStream board = new FileOutputStream(pair.deviceSide().toFile())) {
            ExpectConsole console = ExpectConsole.over(JSerialCommLink.open(pair.userSide())).named("stuck").start();
            BoardControls controls = action -> {
                if (action == ControlAction.RESET) {
                    print(board, DevKitBoot.BANNER + "\r\nConfiguration console:\r\n - help: Help document.\r\n# ");
                }
            };
            DevKitOnSerial kit = new DevKitOnSerial("stuck-a", new DevKitOnSerial.Settings("devkit-serial", null,
                    Optional.empty(), Duration.ofSeconds(1), Map.of()), console, controls, Optional.empty(), () -> { },
                    () -> { });
            try {
                kit.resetIntoUserMode();
                String stuck = "the board came up in configuration mode after a reset without button A (it printed "
                        + "\"Configuration console:\"): is button A stuck, or the rig's press-a control still held "
                        + "(does release-a release it)?";
                assertThatThrownBy(() -> kit.expectLine(Pattern.compile(Pattern.quote("WiFi")), Duration.ofMillis(300)))
                        .isInstanceOf(DeviceException.class)
                        .hasMessageStartingWith("rig stuck-a: " + stuck + "; no line matching \"WiFi\" within 300 ms");
                assertThat(kit.awaitBoot(Duration.ofMillis(300))).isEqualTo(new BootReport.NoVerdict(
                        "the firmware's registration outcome on the console (" + stuck + ")"));
            } finally {
                kit.close();
            }
        }
    }

    private static final String STARS = "************************************************";
    private static final String CONFIGURATION_CONSOLE = "Configuration console:\r\n - help: Help document.\r\n"
            + " - set_wifissid: Set Wi-Fi SSID.\r\n - set_dps_uds: Set DPS UDS.\r\n# ";

    /** A board on a real pty that, at each reset, prints {@code boot} (button A and the rest do nothing). */
    private static void onBoard(Path dir, String boot, BoardTest test) throws Exception {
        try (PtyPair pair = PtyPair.open(dir.resolve("device"), dir.resolve("ttyACM-board"), Duration.ofSeconds(5));
             FileOutputStream board = new FileOutputStream(pair.deviceSide().toFile())) {
            ExpectConsole console = ExpectConsole.over(JSerialCommLink.open(pair.userSide())).named("bench").start();
            BoardControls controls = action -> {
                if (action == ControlAction.RESET) {
                    print(board, boot);
                }
            };
            DevKitOnSerial kit = new DevKitOnSerial("bench", new DevKitOnSerial.Settings("devkit-serial",
                    new FirmwareInputs(null, null, null, "a0b1c2d3e4f5", "2.0.0"), Optional.empty(),
                    Duration.ofSeconds(1), Map.of()), console, controls, Optional.empty(), () -> { }, () -> { });
            try {
                test.run(kit);
            } finally {
                kit.close();
            }
        }
    }

    private interface BoardTest {
        void run(DevKitOnSerial kit) throws Exception;
    }

    @Test
    void aBoardWhoseBannerIsLostOnTheWireIsToldSoAndItsFirmwareIsNotBlamed() throws Exception {
        // What a USB serial adapter that re-enumerates at the reset passes on: the banner's end, cut, then the rest.
        onBoard(dir, "oper Kit **\r\n" + STARS + "\r\n" + CONFIGURATION_CONSOLE, kit ->
                assertThatThrownBy(kit::enterConfigurationMode).isInstanceOf(DeviceException.class)
                        .hasMessageStartingWith("rig bench: the start of the board's boot output was lost on the wire: "
                                + "the first line that arrived after the reset was \"Configuration console:\", and the "
                                + "DevKit's boot banner (** MXChip - Microsoft IoT Developer Kit **), which every boot "
                                + "prints before it, did not follow within 1.0 s.")
                        .hasMessageContaining("an adapter that stays up across a reset")
                        .hasMessageNotContaining("is this an AZ3166"));
    }

    @Test
    void theEndOfAnEarlierBootThatArrivesAfterTheResetIsNotTakenForTheNewBoots() throws Exception {
        // The user-mode hint of the boot before the reset comes late (a loaded host), then this boot, banner first;
        // the board answers the help probe and "version" ahead of time, as the harness reads them in order.
        String earlierBootsEnd = STARS + "\r\nYou can 1. press Button A and reset to enter configuration mode.\r\n"
                + "        2. press Button B and reset to enter AP mode.\r\n\r\n";
        onBoard(dir, earlierBootsEnd + DevKitBoot.BANNER + CONFIGURATION_CONSOLE + "\r\n - set_wifissid: Set Wi-Fi "
                + "SSID.\r\n - set_dps_uds: Set DPS UDS.\r\n# \r\nDevKitSDK version: 2.0.0\r\n# ", kit -> {
            kit.enterConfigurationMode();
            assertThat(kit.consoleLog()).anyMatch(l -> l.contains("MXChip - Microsoft IoT Developer Kit"));
        });
    }

    @Test
    void aBoardThatPrintsAnotherBannerIsAskedWhetherItRunsTheDevKitFirmware() throws Exception {
        onBoard(dir, "\r\n" + STARS + "\r\n** MXChip - IoT Developer Board   **\r\n" + STARS + "\r\n"
                + CONFIGURATION_CONSOLE, kit ->
                assertThatThrownBy(kit::enterConfigurationMode).isInstanceOf(DeviceException.class)
                        .hasMessageStartingWith("the board printed \"Configuration console:\" without the DevKit's boot "
                                + "banner (** MXChip - Microsoft IoT Developer Kit **) before it; is this an AZ3166")
                        .hasMessageNotContaining("lost on the wire"));
    }

    private static void print(FileOutputStream board, String text) {
        try {
            board.write(text.getBytes(StandardCharsets.UTF_8));
            board.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
