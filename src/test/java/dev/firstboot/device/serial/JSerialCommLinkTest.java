package dev.firstboot.device.serial;

import dev.firstboot.device.pty.PtyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JSerialCommLinkTest {
    @TempDir
    Path dir;

    @Test
    void aMissingPortSaysToCheckTheBoardIsPluggedIn() {
        Path missing = dir.resolve("ttyACM9");
        assertThatThrownBy(() -> JSerialCommLink.open(missing))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist; is the board plugged in?")
                .hasMessageContaining("ls -l /dev/serial/by-id");
    }

    @Test
    void aPortAlreadyOpenSaysItIsInUse() throws Exception {
        try (PtyPair pair = PtyPair.open(dir.resolve("device"), dir.resolve("tty"), Duration.ofSeconds(5));
             JSerialCommLink first = JSerialCommLink.open(pair.userSide(), 9600)) {
            assertThat(first.describe()).endsWith("at 9600 8N1");
            assertThatThrownBy(() -> JSerialCommLink.open(pair.userSide()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("already in use")
                    .hasMessageContaining("fuser -v " + pair.userSide());
        }
    }

    @Test
    void aBaudRateMustBePositive() {
        assertThatThrownBy(() -> JSerialCommLink.open(dir, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
