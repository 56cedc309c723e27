package dev.firstboot.device.devkit;

import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.identity.dice.Uds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class DevKitBootTest {
    static final String UDS = DevKitConsoleTest.UDS;
    static final MacAddress MAC = MacAddress.parse("A0:B1:C2:D3:E4:F5");
    static final Clock EPOCH = Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
    static final String ERROR_PREFIX = "Error: Time:Thu Jan  1 00:00:00 1970 File:";
    static final String DICE_INIT_FAILED = "DiceInit failed! Check UDS string provided or set on configuration mode\r\n";

    @TempDir
    Path dir;

    StsafeStorage storage() {
        return StsafeStorage.open(dir);
    }

    DevKitBoot boot(String version, DpsSketch sketch) {
        return new DevKitBoot(DevKitFirmware.of(version).withDpsClientVersion("1.3.7"), MAC, storage(), sketch, EPOCH);
    }

    DevKitBoot withUds(String uds, DpsSketch sketch) {
        storage().write(StsafeZone.DPS_UDS, (uds + "\0").getBytes(StandardCharsets.ISO_8859_1));
        return boot("2.0.0", sketch);
    }

    @Test
    void theDefaultBuildPrintsVersionsAndSourceLinesAsARealBoardDoes() {
        storage().write(StsafeZone.DPS_UDS, "\0".getBytes(StandardCharsets.ISO_8859_1));
        String out = new DevKitBoot(DevKitFirmware.of("2.0.0"), MAC, storage(), DpsSketch.automaticId("0ne1"), EPOCH)
                .runUserMode().output();
        assertThat(out).contains("Info:    DPS Version: 1.3.7\r\n").doesNotContain("unknown").doesNotContain("Line:0 ")
                .containsPattern("Func:readUDSString Line:[1-9]\\d* ");
    }

    @Test
    void buttonAWinsOverBAndNeitherMeansUserMode() {
        assertThat(DevKitBoot.selectMode(true, false)).isEqualTo(BootMode.CONFIGURATION);
        assertThat(DevKitBoot.selectMode(true, true)).isEqualTo(BootMode.CONFIGURATION);
        assertThat(DevKitBoot.selectMode(false, true)).isEqualTo(BootMode.ACCESS_POINT);
        assertThat(DevKitBoot.selectMode(false, false)).isEqualTo(BootMode.USER);
    }

    @Test
    void accessPointIsNamedAfterTheMac() {
        assertThat(boot("2.0.0", DpsSketch.automaticId("0ne1")).accessPointLines())
                .isEqualTo("Soft AP AZ-a0b1c2d3e4f5 is running...\r\n"
                        + "Connect and visit \"http://192.168.0.1/\" to config the system settings.\r\n");
    }

    @Test
    void userModeWithAGoodUdsPrintsVersionsAndPlansRegistrationWithTheAutomaticId() {
        DevKitBoot.UserModeBoot result = withUds(UDS, DpsSketch.automaticId("0ne1")).runUserMode();

        assertThat(result.output()).isEqualTo(DevKitBoot.USER_MODE_HINT
                + "Info:    DPS Version: 1.3.7\r\n\r\n"
                + "Info: DevKit MAC Address: a0b1c2d3e4f5\r\n"
                + "Info: DevKit Firmware Version: 2.0.0\r\n");
        assertThat(result.plan()).isInstanceOfSatisfying(BootPlan.Register.class, plan -> {
            assertThat(plan.registrationId()).isEqualTo("az-a0b1c2d3e4f5v2v0v0");
            assertThat(plan.automaticId()).isTrue();
            assertThat(plan.globalDeviceEndpoint()).isEqualTo(DpsSketch.GLOBAL_ENDPOINT);
            assertThat(plan.idScope()).isEqualTo("0ne1");
            assertThat(plan.uds().reveal()).isEqualTo(UDS);
            assertThat(plan.toString()).doesNotContain(UDS);
        });
    }

    @Test
    void automaticIdMatchesTheHostToolsRule() throws Exception {
        assertThat(boot("1.3.0", DpsSketch.automaticId("s")).automaticRegistrationId())
                .isEqualTo(RegistrationIds.automatic("a0b1c2d3e4f5", "1.3.0"))
                .isEqualTo("az-a0b1c2d3e4f5v1v3v0");
    }

    @Test
    void automaticIdFromTheLongestVersionFitsTheFirmwaresBuffer() {
        // §2.3: snprintf into 32 bytes; four digits per version number keep the id at 30 characters.
        assertThat(boot("1000.2000.3000", DpsSketch.automaticId("s")).automaticRegistrationId())
                .isEqualTo("az-a0b1c2d3e4f5v1000v2000v3000");
    }

    @Test
    void emptyCustomIdMeansAutomatic() {
        BootPlan plan = withUds(UDS, DpsSketch.automaticId("s").withRegistrationId("")).runUserMode().plan();
        assertThat(plan).isInstanceOfSatisfying(BootPlan.Register.class,
                p -> assertThat(p.registrationId()).isEqualTo("az-a0b1c2d3e4f5v2v0v0"));
    }

    @Test
    void validCustomIdIsUsed() {
        BootPlan plan = withUds(UDS, DpsSketch.automaticId("s").withRegistrationId("lab-device-7")).runUserMode().plan();
        assertThat(plan).isInstanceOfSatisfying(BootPlan.Register.class, p -> {
            assertThat(p.registrationId()).isEqualTo("lab-device-7");
            assertThat(p.automaticId()).isFalse();
        });
    }

    @Test
    void customIdOver128CharactersHaltsWithTheFirmwaresLine() {
        DevKitBoot.UserModeBoot result = withUds(UDS, DpsSketch.automaticId("s").withRegistrationId("a".repeat(129)))
                .runUserMode();
        assertThat(result.output()).endsWith("Info: DevKit Firmware Version: 2.0.0\r\n" + ERROR_PREFIX
                + "RiotCore.c Func:RiotStart Line:302 Input value for registrationId in DPS.ino exceeds maximum length "
                + "128.\r\n");
        assertThat(result.plan()).isEqualTo(new BootPlan.Halted(BootPlan.Reason.REGISTRATION_ID_TOO_LONG));
    }

    @Test
    void customIdWithUpperCaseHaltsWithTheFirmwaresLine() {
        DevKitBoot.UserModeBoot result = withUds(UDS, DpsSketch.automaticId("s").withRegistrationId("Lab-1"))
                .runUserMode();
        assertThat(result.output()).endsWith("Line:309 Input value for registrationId in DPS.ino does not meet DPS "
                + "requirements - only alphanumeric, lowercase, and hyphen are supported.\r\n");
        assertThat(result.plan()).isEqualTo(new BootPlan.Halted(BootPlan.Reason.REGISTRATION_ID_INVALID_CHARACTER));
    }

    @Test
    void neverSetUdsReportsEmptyAndHaltsBeforeRiot() {
        DevKitBoot.UserModeBoot result = boot("2.0.0", DpsSketch.automaticId("s")).runUserMode();
        assertThat(result.output()).endsWith("Info:    DPS Version: 1.3.7\r\n\r\n"
                + ERROR_PREFIX + "DevkitDPSClient.cpp Func:readUDSString Line:63 The DPS UDS string is empty.\r\n"
                + "Please set the value in configuration mode.\r\n"
                + ERROR_PREFIX + "DevkitDPSClient.cpp Func:DevkitDPSClientStart Line:225 " + DICE_INIT_FAILED)
                .doesNotContain("DevKit MAC Address");
        assertThat(result.plan()).isEqualTo(new BootPlan.Halted(BootPlan.Reason.UDS_EMPTY));
    }

    @Test
    void unreadableUdsReportsTheReadFailure() {
        StsafeStorage storage = storage();
        storage.injectFault(StsafeStorage.Fault.READ_FAILS);
        DevKitBoot.UserModeBoot result = new DevKitBoot(DevKitFirmware.of("2.0.0"), MAC, storage,
                DpsSketch.automaticId("s"), EPOCH).runUserMode();
        assertThat(result.output()).contains("Func:readUDSString Line:57 Unable to get DPS UDS string from EEPROM. "
                + "Please set the value in configuration mode.\r\n").endsWith(DICE_INIT_FAILED);
        assertThat(result.plan()).isEqualTo(new BootPlan.Halted(BootPlan.Reason.UDS_UNREADABLE));
    }

    @Test
    void udsTwoCharsShortReportsTheLengthError() {
        DevKitBoot.UserModeBoot result = withUds(UDS.substring(2), DpsSketch.automaticId("s")).runUserMode();
        assertThat(result.output()).contains("Func:readUDSString Line:69 The length of DPS UDS string must be 64.\r\n"
                + "Please set the value with correct length in configuration mode.\r\n").endsWith(DICE_INIT_FAILED);
        assertThat(result.plan()).isEqualTo(new BootPlan.Halted(BootPlan.Reason.UDS_TOO_SHORT));
    }

    @Test
    void udsOneCharShortPassesTheLengthCheckButDiceInitRefusesIt() {
        // §1.6: 63 chars + NUL fill the 64-byte read, so only strlen != 64 in DiceInit catches it.
        DevKitBoot.UserModeBoot result = withUds(UDS.substring(1), DpsSketch.automaticId("s")).runUserMode();
        assertThat(result.output()).doesNotContain("must be 64").endsWith(DICE_INIT_FAILED);
        assertThat(result.plan()).isEqualTo(new BootPlan.Halted(BootPlan.Reason.UDS_NOT_64_CHARS));
    }

    @Test
    void longerUdsIsCutTo64CharsAndRegisters() {
        BootPlan plan = withUds(UDS + "ff", DpsSketch.automaticId("s")).runUserMode().plan();
        assertThat(plan).isInstanceOfSatisfying(BootPlan.Register.class,
                p -> assertThat(p.uds().reveal()).isEqualTo(UDS));
    }

    @Test
    void udsBytesAreParsedLikeTheFirmwareWithNonHexAsZero() throws Exception {
        // §1.5 "Hex handling": strtoul on one char; 'z' is nibble 0, upper case is fine.
        BootPlan.Register good = (BootPlan.Register) withUds(UDS.toUpperCase(), DpsSketch.automaticId("s"))
                .runUserMode().plan();
        assertThat(good.udsBytes()).isEqualTo(Uds.parse(UDS));
        BootPlan.Register odd = new BootPlan.Register(dev.firstboot.secret.Secret.of("z1" + UDS.substring(2)), "x",
                false, "e", "s");
        assertThat(odd.udsBytes()[0]).isEqualTo((byte) 0x01);
    }

    @Test
    void registrationOutcomeLines() {
        DevKitBoot boot = boot("2.0.0", DpsSketch.automaticId("s"));
        assertThat(boot.registrationOutcomeLines(new RegistrationOutcome.Assigned("hub1.azure-devices.net", "dev")))
                .isEqualTo("Registration Information received from service: hub1.azure-devices.net!\r\n");
        assertThat(boot.registrationOutcomeLines(new RegistrationOutcome.Failed())).isEqualTo(
                ERROR_PREFIX + "DevkitDPSClient.cpp Func:register_device_callback Line:135 Failure encountered on "
                        + "registration!\r\n"
                        + ERROR_PREFIX + "DevkitDPSClient.cpp Func:DevkitDPSClientStart Line:284 registration failed!"
                        + "\r\n\r\n");
    }

    @Test
    void registrationStatusLines() {
        DevKitBoot boot = boot("2.0.0", DpsSketch.automaticId("s"));
        assertThat(boot.registrationStatusLines(RegistrationStatus.ASSIGNING)).isEqualTo(
                "Info: >>>Provisioning Status: PROV_DEVICE_REG_STATUS_ASSIGNING\r\n\r\nRegistration status: ASSIGNING\r\n");
        assertThat(boot.registrationStatusLines(RegistrationStatus.ASSIGNED))
                .isEqualTo("Info: >>>Provisioning Status: PROV_DEVICE_REG_STATUS_ASSIGNED\r\n");
    }
}
