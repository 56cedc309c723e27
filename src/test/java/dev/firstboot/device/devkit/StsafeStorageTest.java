package dev.firstboot.device.devkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class StsafeStorageTest {
    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void valuesSurviveANewStorageOnTheSameDirectory() {
        StsafeStorage first = StsafeStorage.open(dir);
        assertThat(first.write(StsafeZone.WIFI_SSID, bytes("lab\0"))).isTrue();
        assertThat(first.enableSecureChannel(1)).isEqualTo(StsafeStorage.SecureChannelResult.ENABLED);

        StsafeStorage second = StsafeStorage.open(dir);

        assertThat(second.read(StsafeZone.WIFI_SSID, 0, 32)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes("lab\0")));
        assertThat(second.secureChannelEnabled()).isTrue();
        assertThat(second.enableSecureChannel(3)).isEqualTo(StsafeStorage.SecureChannelResult.ALREADY_ENABLED);
    }

    @Test
    void saveLeavesNoTemporaryFileBehind() throws Exception {
        StsafeStorage.open(dir).write(StsafeZone.DPS_UDS, bytes("x\0"));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly(StsafeStorage.STATE_FILE);
        }
    }

    @Test
    void neverWrittenZoneReadsZeroBytesAndShortValueReadsItsLength() {
        // §1.6: the boot code tells "empty" (0) from "too short" (< 64) by the read's result.
        StsafeStorage storage = StsafeStorage.open(dir);
        assertThat(storage.read(StsafeZone.DPS_UDS, 0, 64)).hasValueSatisfying(b -> assertThat(b).isEmpty());
        storage.write(StsafeZone.DPS_UDS, bytes("abc\0"));
        assertThat(storage.read(StsafeZone.DPS_UDS, 0, 64)).hasValueSatisfying(b -> assertThat(b).hasSize(4));
    }

    @Test
    void writeLargerThanTheZoneFails() {
        StsafeStorage storage = StsafeStorage.open(dir);
        assertThat(storage.write(StsafeZone.WIFI_PWD, new byte[89])).isFalse();
        assertThat(storage.write(StsafeZone.WIFI_PWD, new byte[88])).isTrue();
        assertThat(storage.write(StsafeZone.ZONE_1, new byte[1])).isFalse();
    }

    @Test
    void readOutsideTheZoneOrWithReadFaultFails() {
        StsafeStorage storage = StsafeStorage.open(dir);
        assertThat(storage.read(StsafeZone.WIFI_PWD, 0, 89)).isEmpty();
        storage.injectFault(StsafeStorage.Fault.READ_FAILS);
        assertThat(storage.read(StsafeZone.WIFI_PWD, 0, 8)).isEmpty();
    }

    @Test
    void toStringNamesZonesButNotTheirSecrets() {
        StsafeStorage storage = StsafeStorage.open(dir);
        String uds = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae";
        storage.write(StsafeZone.DPS_UDS, bytes(uds + "\0"));
        assertThat(storage.toString()).contains("6:65 bytes").doesNotContain(uds).doesNotContain("19e25a");
    }
}
