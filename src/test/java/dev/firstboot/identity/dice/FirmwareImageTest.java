package dev.firstboot.identity.dice;

import dev.firstboot.identity.IdentityException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FirmwareImageTest {
    private static final DiceVectors.Vector A = DiceVectors.load("01");

    @Test
    void locatesTheSectionsThroughTheMap() throws Exception {
        FirmwareImage fw = FirmwareImage.parse(A.bin(), A.map());
        assertThat(fw.flashBase()).isEqualTo(0x0800c000L);
        assertThat(fw.riotCore()).isEqualTo(Arrays.copyOfRange(A.bin(), 0x1200, 0x182c));
        assertThat(fw.riotFw()).isEqualTo(Arrays.copyOfRange(A.bin(), 0x182c, 0x1a10));
        assertThat(fw.binSha256Hex()).hasSize(64);
        assertThat(fw.toString()).contains("0x800d200");
    }

    @Test
    void theLastMatchingLineWinsLikeTheTool() throws Exception {
        String map = A.map() + "\n                0x0800d210                __start_riot_core = .\n";
        FirmwareImage fw = FirmwareImage.parse(A.bin(), map);
        assertThat(fw.riotCoreStart()).isEqualTo(0x0800d210L);
        assertThat(fw.riotCore()).hasSize(0x62c - 0x10);
    }

    @Test
    void acceptsWindowsLineEnds() throws Exception {
        FirmwareImage fw = FirmwareImage.parse(A.bin(), A.map().replace("\n", "\r\n"));
        assertThat(fw.riotFw()).hasSize(0x1e4);
    }

    @Test
    void aMissingKeywordIsNamed() {
        for (String keyword : new String[]{"__start_riot_core = .", "__stop_riot_fw = .", "FLASH            0x"}) {
            String map = A.map().lines().filter(l -> !l.contains(keyword)).reduce("", (a, b) -> a + b + "\n");
            assertThatThrownBy(() -> FirmwareImage.parse(A.bin(), map)).isInstanceOf(IdentityException.class)
                    .hasMessageContaining("'" + keyword + "'");
        }
    }

    @Test
    void aSectionBeyondTheBinNamesTheSectionAndMapLines() {
        byte[] truncated = Arrays.copyOf(A.bin(), 0x1900);
        assertThatThrownBy(() -> FirmwareImage.parse(truncated, A.map()))
                .hasMessageContaining("riot_fw").hasMessageContaining("map lines 33-37")
                .hasMessageContaining("6400-byte .bin");
    }

    @Test
    void aSectionThatEndsBeforeItStartsIsRejected() {
        String map = A.map().replace("0x0800d82c                __stop_riot_core", "0x0800d100                __stop_riot_core");
        assertThatThrownBy(() -> FirmwareImage.parse(A.bin(), map))
                .hasMessageContaining("riot_core section ends (0x800d100, map line 32)");
    }

    @Test
    void aSectionBelowTheFlashBaseIsRejected() {
        String map = A.map().replace("FLASH            0x0800c000", "FLASH            0x0800e000");
        assertThatThrownBy(() -> FirmwareImage.parse(A.bin(), map)).hasMessageContaining("below the flash base");
    }

    @Test
    void riotCoreMustBeAtLeastEightBytes() {
        String map = A.map().replace("0x0800d82c                __stop_riot_core", "0x0800d207                __stop_riot_core");
        assertThatThrownBy(() -> FirmwareImage.parse(A.bin(), map))
                .hasMessageContaining("7 bytes").hasMessageContaining("at least 8");
    }

    @Test
    void aZeroAddressCountsAsNoMatch() {
        String map = A.map().replace("0x0800d200                __start_riot_core", "0x00000000                __start_riot_core");
        assertThatThrownBy(() -> FirmwareImage.parse(A.bin(), map)).hasMessageContaining("address is 0");
    }
}
