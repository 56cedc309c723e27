package dev.firstboot.device.devkit;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class DevKitConsoleTest {
    static final String PROMPT = "\r\n# ";
    static final String UDS = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae";

    static final String HELP_2_0_0 = "Configuration console:\r\n"
            + " - help: Help document.\r\n"
            + " - version: System version.\r\n"
            + " - exit: Exit and reboot.\r\n"
            + " - scan: Scan Wi-Fi AP.\r\n"
            + " - set_wifissid: Set Wi-Fi SSID.\r\n"
            + " - set_wifipwd: Set Wi-Fi password.\r\n"
            + " - set_az_iothub: Set IoT Hub device connection string.\r\n"
            + " - set_dps_uds: Set DPS Unique Device Secret (UDS) for X.509 certificates..\r\n"
            + " - set_az_iotdps: Set DPS Symmetric Key. Format: \"DPSEndpoint=global.azure-devices-provisioning.net;"
            + "IdScope=XXX;DeviceId=XXX;SymmetricKey=XXX\".\r\n"
            + " - enable_secure: Enable secure channel between AZ3166 and secure chip.\r\n";

    @TempDir
    Path dir;

    ConsoleHarness console(String version) {
        return new ConsoleHarness(dir, version);
    }

    /** What the console sends back for a command line: the echo, CRLF, the command's output, the prompt. */
    static String reply(String echo, String output) {
        return echo + "\r\n" + output + PROMPT;
    }

    static String chars(int n, char c) {
        return String.valueOf(c).repeat(n);
    }

    @Nested
    class LineDiscipline {
        @Test
        void startPrintsHelpThenPrompt() {
            ConsoleHarness c = console("2.0.0");
            c.console.start();
            assertThat(c.take()).isEqualTo(HELP_2_0_0 + PROMPT);
        }

        @Test
        void echoesEachCharacterAndEndsTheLineOnCarriageReturnOnly() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("help")).isEqualTo("help");
            assertThat(c.send("\r")).isEqualTo("\r\n" + HELP_2_0_0 + PROMPT);
        }

        @Test
        void lineFeedAndOtherControlBytesAreDroppedSoCrLfWorks() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("he\u0001lp\r\n")).isEqualTo(reply("help", HELP_2_0_0));
        }

        @Test
        void emptyLinePrintsOnlyThePrompt() {
            assertThat(console("2.0.0").send("\r")).isEqualTo(PROMPT);
            assertThat(console("2.0.0").send("   \r")).isEqualTo("   " + PROMPT);
        }

        @Test
        void unknownCommandIsNamedInTheError() {
            assertThat(console("2.0.0").send("reboot now\r"))
                    .isEqualTo(reply("reboot now", "Error:Invalid command: reboot\r\n"));
        }

        @Test
        void backspaceAndDeleteRemoveOneCharAndEchoBackspaceSpaceBackspace() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("helx\bp\u007f")).isEqualTo("helx\b \bp\b \b");
            assertThat(c.send("p\r")).isEqualTo(reply("p", HELP_2_0_0));
        }

        @Test
        void backspaceOnAnEmptyLineEchoesNothing() {
            assertThat(console("2.0.0").send("\b\u007f")).isEmpty();
        }

        @Test
        void tabBecomesASpace() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifissid\tlab\r"))
                    .isEqualTo(reply("set_wifissid lab", "INFO: Set Wi-Fi SSID successfully.\r\n"));
        }

        @Test
        void the1024thCharacterOverflowsTheBufferAndDropsTheLine() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send(chars(1024, 'a')))
                    .isEqualTo(chars(1024, 'a') + "\r\nError: input buffer overflow\r\n" + PROMPT);
            // The line was dropped: a CR now ends an empty line.
            assertThat(c.send("\r")).isEqualTo(PROMPT);
        }

        @Test
        void a1023CharacterLineStillFits() {
            assertThat(console("2.0.0").send(chars(1023, 'a') + "\r"))
                    .isEqualTo(reply(chars(1023, 'a'), "Error:Invalid command: " + chars(1023, 'a') + "\r\n"));
        }
    }

    @Nested
    class Privacy {
        @Test
        void udsIsEchoedAsStarsAfterTheCommandAndSpace() {
            // §1.3: the space itself is still echoed; every later char is '*'.
            String out = console("2.0.0").send("set_dps_uds " + UDS + "\r");
            assertThat(out).startsWith("set_dps_uds " + chars(64, '*') + "\r\n").doesNotContain(UDS);
        }

        @Test
        void wifiPasswordIsEchoedAsStarsEvenAfterATab() {
            assertThat(console("2.0.0").send("set_wifipwd\tsecret1\r"))
                    .isEqualTo(reply("set_wifipwd " + chars(7, '*'), "INFO: Set Wi-Fi password successfully.\r\n"));
        }

        @Test
        void otherCommandsAreEchoedInClear() {
            assertThat(console("2.0.0").send("set_wifissid lab")).isEqualTo("set_wifissid lab");
        }

        @Test
        void backspaceOverAMaskedCharEchoesTheUsualErase() {
            assertThat(console("2.0.0").send("set_wifipwd ab\b")).isEqualTo("set_wifipwd **\b \b");
        }

        @Test
        void aLineStartingWithASpaceIsNotPrivate() {
            assertThat(console("2.0.0").send(" set_wifipwd x")).isEqualTo(" set_wifipwd x");
        }
    }

    @Nested
    class Tokenizing {
        @Test
        void doubleQuotedStringIsOneArgument() {
            ConsoleHarness c = console("2.0.0");
            c.send("set_wifissid \"my lab\"\r");
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo("my lab\0");
        }

        @Test
        void backslashEscapesASpace() {
            ConsoleHarness c = console("2.0.0");
            c.send("set_wifissid my\\ lab\r");
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo("my lab\0");
        }

        @Test
        void backslashEscapesAQuoteInsideQuotes() {
            ConsoleHarness c = console("2.0.0");
            c.send("set_wifissid \"a\\\"b c\"\r");
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo("a\"b c\0");
        }

        @Test
        void quoteInsideAnUnquotedWordIsAnOrdinaryCharacter() {
            ConsoleHarness c = console("2.0.0");
            c.send("set_wifissid a\"b\r");
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo("a\"b\0");
        }

        @Test
        void closingQuoteEndsTheArgumentEvenWithoutASpace() {
            ConsoleHarness c = console("2.0.0");
            c.send("set_wifissid \"ab\"cd\r");
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo("ab\0");
        }

        @Test
        void emptyQuotesAreAnEmptyArgument() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifissid \"\"\r"))
                    .isEqualTo(reply("set_wifissid \"\"", "INFO: Set Wi-Fi SSID successfully.\r\n"));
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo("\0");
        }

        @Test
        void unterminatedQuoteIsASyntaxErrorWithoutTheCommandsLineBreak() {
            // §1.3: the parser fails before the "\r\n" that precedes a command's output.
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifissid \"lab\r")).isEqualTo("set_wifissid \"lab" + "Error:Syntax error\r\n" + PROMPT);
            assertThat(c.storage.read(StsafeZone.WIFI_SSID, 0, 8)).hasValueSatisfying(b -> assertThat(b).isEmpty());
        }

        @Test
        void fifthTokenStopsSplittingAndTheFirstFourAreUsed() {
            // §1.3 MAX_CMD_ARG = 4: the firmware counts a fifth argument but keeps only four.
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifissid a b c d\r")).endsWith("INFO: Set Wi-Fi SSID successfully.\r\n" + PROMPT);
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo("a\0");
        }

        @Test
        void fifthTokenOpeningAQuoteIsASyntaxError() {
            assertThat(console("2.0.0").send("set_wifissid a b c \"d e\"\r")).contains("Error:Syntax error\r\n");
        }
    }

    @Nested
    class Commands {
        @Test
        void helpOnOldFirmwareHasNineCommandsAndTheOldUdsText() {
            // §1.4: before Oct 2019 there was no set_az_iotdps and the UDS help read "(DPS)".
            String out = console("1.3.0").send("help\r");
            assertThat(out).contains(" - set_dps_uds: Set DPS Unique Device Secret (DPS).\r\n")
                    .doesNotContain("set_az_iotdps");
            assertThat(out.lines().filter(l -> l.startsWith(" - ")).count()).isEqualTo(9);
        }

        @Test
        void helpOnCurrentFirmwareListsTenCommandsAndTheDoubledDot() {
            String out = console("2.0.0").send("help\r");
            assertThat(out.lines().filter(l -> l.startsWith(" - ")).count()).isEqualTo(10);
            assertThat(out).contains("for X.509 certificates..\r\n");
        }

        @Test
        void versionPrintsFiveLines() {
            assertThat(console("2.0.0").send("version\r")).isEqualTo(reply("version",
                    "DevKitSDK version: 2.0.0\r\n"
                            + "Mico version: 31620002.049\r\n"
                            + "mbed-os version: 5.4.3\r\n"
                            + "mbed TLS version: 2.5.1\r\n"
                            + "WIFI version: 1.2.3\r\n"));
        }

        @Test
        void versionShowsTheWifiVersionWhenKnown() {
            ConsoleHarness c = new ConsoleHarness(dir, "1.3.0");
            DevKitConsole withWifi = new DevKitConsole(DevKitFirmware.of("1.3.0")
                    .withLibraryVersions("31620002.049", "5.4.3", "2.6.1", java.util.Optional.of("wifi-1")),
                    c.storage, List.of(), b -> assertThat(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1))
                    .contains("DevKitSDK version: 1.3.0\r\nMico version: 31620002.049\r\nmbed-os version: 5.4.3\r\n"
                            + "mbed TLS version: 2.6.1\r\nWIFI version: wifi-1\r\n"));
            withWifi.input("version\r".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }

        @Test
        void exitPrintsRebootWithoutPromptAndIgnoresLaterInput() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("exit\rhelp\r")).isEqualTo("exit\r\nReboot\r\n");
            assertThat(c.console.exitRequested()).isTrue();
            assertThat(c.send("help\r")).isEmpty();
        }

        @Test
        void scanWithNoNetworks() {
            assertThat(console("2.0.0").send("scan\r")).isEqualTo(reply("scan", "No available network.\r\n"));
        }

        @Test
        void scanListsAtMostTenNetworks() {
            List<String> twelve = IntStream.rangeClosed(1, 12).mapToObj(i -> "ap" + i).toList();
            String expected = "Available networks:\r\n" + twelve.stream().limit(10).map(s -> "  " + s + "\r\n")
                    .collect(Collectors.joining());
            assertThat(new ConsoleHarness(dir, "2.0.0", twelve).send("scan\r")).isEqualTo(reply("scan", expected));
        }
    }

    @Nested
    class SetCommands {
        @Test
        void setWifiSsidUsageAndLimitAndSuccess() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifissid\r")).isEqualTo(reply("set_wifissid",
                    "Usage: set_wifissid <SSID>. Please provide the SSID of the Wi-Fi.\r\n"));
            // strlen+1 > 32 is refused: 32 characters are one too many.
            assertThat(c.send("set_wifissid " + chars(32, 's') + "\r")).endsWith("\r\nInvalid Wi-Fi SSID.\r\n" + PROMPT);
            assertThat(c.storage.read(StsafeZone.WIFI_SSID, 0, 8)).hasValueSatisfying(b -> assertThat(b).isEmpty());
            assertThat(c.send("set_wifissid " + chars(31, 's') + "\r"))
                    .endsWith("\r\nINFO: Set Wi-Fi SSID successfully.\r\n" + PROMPT);
            assertThat(c.zone(StsafeZone.WIFI_SSID)).isEqualTo(chars(31, 's') + "\0");
        }

        @Test
        void setWifiPasswordWithoutArgumentStoresEmptyPassword() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifipwd\r"))
                    .isEqualTo(reply("set_wifipwd", "INFO: Set Wi-Fi password successfully.\r\n"));
            assertThat(c.zone(StsafeZone.WIFI_PWD)).isEqualTo("\0");
        }

        @Test
        void setWifiPasswordTooLongSaysInvalidButStillWritesIt() {
            // §1.5: no return after "Invalid Wi-Fi password.".
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifipwd " + chars(64, 'p') + "\r"))
                    .endsWith("\r\nInvalid Wi-Fi password.\r\nINFO: Set Wi-Fi password successfully.\r\n" + PROMPT);
            assertThat(c.zone(StsafeZone.WIFI_PWD)).isEqualTo(chars(64, 'p') + "\0");
        }

        @Test
        void setWifiPasswordLongerThanItsZoneFailsTheWrite() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_wifipwd " + chars(88, 'p') + "\r"))
                    .endsWith("\r\nInvalid Wi-Fi password.\r\nERROR: Failed to write EEPROM: 0x0a.\r\n" + PROMPT);
        }

        @Test
        void setIotHubUsageAndLimitAndSuccess() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_az_iothub\r")).isEqualTo(reply("set_az_iothub", "Usage: set_az_iothub "
                    + "<connection string>. Please provide the connection string of the Azure IoT hub.\r\n"));
            assertThat(c.send("set_az_iothub " + chars(512, 'h') + "\r"))
                    .endsWith("\r\nInvalid Azure IoT hub connection string.\r\n" + PROMPT);
            assertThat(c.send("set_az_iothub HostName=h;DeviceId=d;SharedAccessKey=k\r"))
                    .endsWith("\r\nINFO: Set Azure Iot hub connection string successfully.\r\n" + PROMPT);
            assertThat(c.zone(StsafeZone.AZ_IOT_HUB)).isEqualTo("HostName=h;DeviceId=d;SharedAccessKey=k\0");
        }

        @Test
        void setDpsConnectionStringOverwritesTheIotHubZone() {
            ConsoleHarness c = console("2.0.0");
            c.send("set_az_iothub HostName=h;DeviceId=d;SharedAccessKey=k\r");
            assertThat(c.send("set_az_iotdps DPSEndpoint=e;IdScope=s;DeviceId=d;SymmetricKey=k\r"))
                    .endsWith("\r\nINFO: Set DPS connection string successfully.\r\n" + PROMPT);
            assertThat(c.zone(StsafeZone.AZ_IOT_HUB)).isEqualTo("DPSEndpoint=e;IdScope=s;DeviceId=d;SymmetricKey=k\0");
        }

        @Test
        void setDpsConnectionStringUsageAndLimit() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_az_iotdps\r")).isEqualTo(reply("set_az_iotdps", "Usage: set_az_iotdps "
                    + "<connection string>. Please provide the connection string of DPS.\r\n"));
            assertThat(c.send("set_az_iotdps " + chars(512, 'd') + "\r"))
                    .endsWith("\r\nInvalid DPS connection string.\r\n" + PROMPT);
        }

        @Test
        void setDpsConnectionStringDoesNotExistOnOldFirmware() {
            assertThat(console("1.3.0").send("set_az_iotdps x\r"))
                    .isEqualTo(reply("set_az_iotdps x", "Error:Invalid command: set_az_iotdps\r\n"));
        }

        @Test
        void writeFailureNamesTheZone() {
            ConsoleHarness c = console("2.0.0");
            c.storage.injectFault(StsafeStorage.Fault.WRITE_FAILS);
            assertThat(c.send("set_wifissid lab\r")).endsWith("\r\nERROR: Failed to write EEPROM: 0x03.\r\n" + PROMPT);
        }

        @Test
        void readBackMismatchReportsVerifyFailed() {
            ConsoleHarness c = console("2.0.0");
            c.storage.injectFault(StsafeStorage.Fault.WRITE_CORRUPTS);
            assertThat(c.send("set_az_iothub x\r")).endsWith("\r\nERROR: Verify failed.\r\n" + PROMPT);
        }
    }

    @Nested
    class SetDpsUds {
        @Test
        void usageWithoutArgument() {
            assertThat(console("2.0.0").send("set_dps_uds\r")).isEqualTo(reply("set_dps_uds",
                    "Usage: set_dps_uds [uds]. Please provide the UDS for DPS.\r\n"));
        }

        @Test
        void correctUdsOnCurrentFirmwareSaysInvalidThenSucceeds() {
            // §1.5, commit cd11ddab (Aug 2019): strlen+1 != 64, so the right length is called invalid.
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("set_dps_uds " + UDS + "\r")).isEqualTo(reply("set_dps_uds " + chars(64, '*'),
                    "Invalid UDS.\r\nINFO: Set DPS UDS successfully.\r\n"));
        }

        @Test
        void udsIsStoredAs65BytesWithItsNul() {
            ConsoleHarness c = console("2.0.0");
            c.send("set_dps_uds " + UDS + "\r");
            assertThat(c.zone(StsafeZone.DPS_UDS)).isEqualTo(UDS + "\0");
        }

        @Test
        void correctUdsOnOldFirmwareSucceedsSilently() {
            assertThat(console("1.3.0").send("set_dps_uds " + UDS + "\r")).isEqualTo(reply(
                    "set_dps_uds " + chars(64, '*'), "INFO: Set DPS UDS successfully.\r\n"));
        }

        @Test
        void udsOneCharShortPassesOnCurrentFirmwareButNotOnOld() {
            String uds63 = UDS.substring(1);
            assertThat(console("2.0.0").send("set_dps_uds " + uds63 + "\r"))
                    .endsWith("\r\nINFO: Set DPS UDS successfully.\r\n" + PROMPT).doesNotContain("Invalid UDS.");
            assertThat(new ConsoleHarness(dir.resolve("old"), "1.3.0").send("set_dps_uds " + uds63 + "\r"))
                    .endsWith("\r\nInvalid UDS.\r\nINFO: Set DPS UDS successfully.\r\n" + PROMPT);
        }

        @Test
        void nonHexUdsIsWrittenWithoutComplaintOnOldFirmware() {
            // §1.5: the CLI never checks hex.
            ConsoleHarness c = console("1.3.0");
            assertThat(c.send("set_dps_uds " + chars(64, 'z') + "\r")).endsWith("\r\nINFO: Set DPS UDS successfully.\r\n"
                    + PROMPT).doesNotContain("Invalid");
            assertThat(c.zone(StsafeZone.DPS_UDS)).isEqualTo(chars(64, 'z') + "\0");
        }

        @Test
        void explicitQuirksOverrideTheVersionMapping() {
            // A build between Aug and Oct 2019: the UDS quirk, but still the old table.
            StringBuilder out = new StringBuilder();
            DevKitConsole mid2019 = new DevKitConsole(DevKitFirmware.of("1.6.2")
                    .withQuirks(new FirmwareVersion.ConsoleQuirks(true, false)), StsafeStorage.open(dir), List.of(),
                    b -> out.append(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)));
            mid2019.input(("set_dps_uds " + UDS + "\rhelp\r").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            assertThat(out.toString()).contains("Invalid UDS.\r\nINFO: Set DPS UDS successfully.\r\n")
                    .contains("Set DPS Unique Device Secret (DPS).").doesNotContain("set_az_iotdps");
        }
    }

    @Nested
    class EnableSecure {
        static final String USAGE = "Usage: enable_secure <secure level> <provided key>. 64-characters key is only "
                + "needed for level 2. More detail:\r\n"
                + "        1.\"enable_secure 1\" to enable secure channel with pre set key.\r\n"
                + "        2.\"enable_secure 2 ([a-f]|[0-9]){64}\" to enable secure channel with provided key. "
                + "(not implemented)\r\n"
                + "        3.\"enable_secure 3\" to enable secure channel with random key. (not implemented)\r\n";

        @Test
        void withoutArgumentsPrintsUsage() {
            assertThat(console("2.0.0").send("enable_secure\r")).isEqualTo(reply("enable_secure", USAGE));
        }

        @Test
        void levelOneEnablesOnceThenReportsAlreadyEnabled() {
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("enable_secure 1\r"))
                    .isEqualTo(reply("enable_secure 1", "INFO: Enable secure channel successfully.\r\n"));
            assertThat(c.send("enable_secure 3\r"))
                    .isEqualTo(reply("enable_secure 3", "INFO: Secure channel has already been enabled.\r\n"));
            assertThat(c.storage.secureChannelEnabled()).isTrue();
        }

        @Test
        void levelTwoNeedsA64CharLowercaseHexKey() {
            // §1.5: the key parser accepts only [0-9a-f].
            ConsoleHarness c = console("2.0.0");
            assertThat(c.send("enable_secure 2 " + UDS.toUpperCase() + "\r")).endsWith(USAGE + PROMPT);
            assertThat(c.send("enable_secure 2 " + UDS.substring(1) + "\r")).endsWith(USAGE + PROMPT);
            assertThat(c.send("enable_secure 2\r")).endsWith(USAGE + PROMPT);
            assertThat(c.send("enable_secure 2 " + UDS + "\r"))
                    .endsWith("\r\nINFO: Enable secure channel successfully.\r\n" + PROMPT);
        }

        @Test
        void chipFailureIsReported() {
            ConsoleHarness c = console("2.0.0");
            c.storage.injectFault(StsafeStorage.Fault.SECURE_CHANNEL_FAILS);
            assertThat(c.send("enable_secure 1\r")).endsWith("\r\nINFO: Enable secure channel failed.\r\n" + PROMPT);
        }
    }
}
