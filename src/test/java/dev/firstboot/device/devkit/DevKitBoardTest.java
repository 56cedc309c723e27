package dev.firstboot.device.devkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DevKitBoardTest {
    static final String PROMPT = DevKitConsole.PROMPT;
    static final String UDS = DevKitConsoleTest.UDS;

    @TempDir
    Path dir;

    final ByteArrayOutputStream serial = new ByteArrayOutputStream();
    final List<BoardState> boots = new ArrayList<>();

    DevKitBoard board(String version) {
        return DevKitBoard.builder(DevKitFirmware.of(version), MacAddress.parse("a0b1c2d3e4f5"), dir)
                .clock(DevKitBootTest.EPOCH).onOutput(serial::writeBytes).onBoot(boots::add).build();
    }

    String serial() {
        String s = serial.toString(StandardCharsets.ISO_8859_1);
        serial.reset();
        return s;
    }

    void type(DevKitBoard board, String text) {
        board.input(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void startsOffAndSilentUntilPoweredOn() {
        DevKitBoard board = board("2.0.0");
        board.reset();
        type(board, "help\r");
        assertThat(board.state()).isInstanceOf(BoardState.Off.class);
        assertThat(serial()).isEmpty();
    }

    @Test
    void holdingAAtResetEntersConfigurationModeWithBannerHelpAndPrompt() {
        DevKitBoard board = board("2.0.0");
        board.press(Button.A);
        board.powerOn();
        assertThat(serial()).isEqualTo(DevKitBoot.BANNER + DevKitConsoleTest.HELP_2_0_0 + PROMPT);
        assertThat(board.state()).isEqualTo(new BoardState.Configuration(true));
    }

    @Test
    void holdingBAtResetEntersAccessPointMode() {
        DevKitBoard board = board("2.0.0");
        board.press(Button.B);
        board.powerOn();
        assertThat(serial()).startsWith(DevKitBoot.BANNER + "Soft AP AZ-a0b1c2d3e4f5 is running...\r\n");
        assertThat(board.state()).isEqualTo(new BoardState.AccessPoint());
        type(board, "help\r");
        assertThat(serial()).isEmpty();
    }

    @Test
    void configurationModeWithoutWifiStopsSilently() {
        DevKitBoard board = DevKitBoard.builder(DevKitFirmware.of("2.0.0"), MacAddress.parse("a0b1c2d3e4f5"), dir)
                .wifiInitialises(false).onOutput(serial::writeBytes).build();
        board.press(Button.A);
        board.powerOn();
        type(board, "help\r");
        assertThat(serial()).isEqualTo(DevKitBoot.BANNER);
        assertThat(board.state()).isEqualTo(new BoardState.Configuration(false));
    }

    @Test
    void udsSetInConfigurationModeIsUsedAtTheNextUserModeBoot() {
        DevKitBoard board = board("2.0.0");
        board.press(Button.A);
        board.powerOn();
        type(board, "set_dps_uds " + UDS + "\r");
        board.release(Button.A);
        serial();
        type(board, "exit\r");

        assertThat(serial()).startsWith("exit\r\nReboot\r\n" + DevKitBoot.BANNER + DevKitBoot.USER_MODE_HINT)
                .contains("Info: DevKit MAC Address: a0b1c2d3e4f5\r\n");
        assertThat(board.state()).isInstanceOfSatisfying(BoardState.User.class, user ->
                assertThat(user.plan()).isInstanceOfSatisfying(BootPlan.Register.class,
                        plan -> assertThat(plan.registrationId()).isEqualTo("az-a0b1c2d3e4f5v2v0v0")));
        assertThat(boots).hasSize(2);
    }

    @Test
    void storageSurvivesPowerCycleAndANewBoardOnTheSameDirectory() {
        DevKitBoard board = board("2.0.0");
        board.press(Button.A);
        board.powerOn();
        type(board, "set_dps_uds " + UDS + "\r");
        board.powerOff();

        DevKitBoard again = board("2.0.0");
        again.powerOn();
        assertThat(again.state()).isInstanceOfSatisfying(BoardState.User.class,
                user -> assertThat(user.plan()).isInstanceOf(BootPlan.Register.class));
    }

    @Test
    void userModeWithoutUdsHalts() {
        DevKitBoard board = board("2.0.0");
        board.powerOn();
        assertThat(board.state()).isEqualTo(new BoardState.User(new BootPlan.Halted(BootPlan.Reason.UDS_EMPTY)));
        assertThat(board.reportRegistrationOutcome(new RegistrationOutcome.Failed())).isFalse();
    }

    @Test
    void powerOffStopsOutputAndIgnoresInputAndPowerOnBootsAgain() {
        DevKitBoard board = board("2.0.0");
        board.press(Button.A);
        board.powerOn();
        serial();
        board.powerOff();
        type(board, "help\r");
        assertThat(serial()).isEmpty();
        assertThat(board.state()).isInstanceOf(BoardState.Off.class);
        board.powerOn();
        assertThat(serial()).startsWith(DevKitBoot.BANNER);
    }

    @Test
    void registrationOutcomeIsPrintedWhileRegisteringOnly() {
        DevKitBoard board = board("2.0.0");
        board.storage().write(StsafeZone.DPS_UDS, (UDS + "\0").getBytes(StandardCharsets.ISO_8859_1));
        board.powerOn();
        serial();
        assertThat(board.reportRegistrationStatus(RegistrationStatus.CONNECTED)).isTrue();
        assertThat(board.reportRegistrationOutcome(new RegistrationOutcome.Assigned("hub.azure-devices.net", "d")))
                .isTrue();
        assertThat(serial()).isEqualTo("Info: >>>Provisioning Status: PROV_DEVICE_REG_STATUS_CONNECTED\r\n"
                + "\r\nRegistration status: CONNECTED\r\n"
                + "Registration Information received from service: hub.azure-devices.net!\r\n");
        board.powerOff();
        assertThat(board.reportRegistrationOutcome(new RegistrationOutcome.Failed())).isFalse();
        assertThat(serial()).isEmpty();
    }
}
