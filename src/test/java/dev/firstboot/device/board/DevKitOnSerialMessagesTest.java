package dev.firstboot.device.board;

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

    private static void print(FileOutputStream board, String text) {
        try {
            board.write(text.getBytes(StandardCharsets.UTF_8));
            board.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
