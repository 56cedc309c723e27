package dev.firstboot.device.pty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** socat joins two real ptys: bytes cross both ways unchanged (raw, no echo), and closing removes the links. */
class PtyPairTest {
    @TempDir
    Path dir;

    @Test
    void bytesCrossBothWaysUnchangedAndTheLinksGoAwayOnClose() throws Exception {
        Path device = dir.resolve("device");
        Path user = dir.resolve("ttyDevKit");
        try (PtyPair pair = PtyPair.open(device, user, Duration.ofSeconds(5))) {
            assertThat(pair.userTty().toString()).startsWith("/dev/pts/");
            try (FileOutputStream toUser = new FileOutputStream(device.toFile());
                 FileInputStream atUser = new FileInputStream(user.toFile());
                 FileOutputStream toDevice = new FileOutputStream(user.toFile());
                 FileInputStream atDevice = new FileInputStream(device.toFile())) {
                toUser.write("\r\n# \r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(read(atUser, 6)).isEqualTo("\r\n# \r\n");
                toDevice.write("help\r".getBytes(StandardCharsets.US_ASCII));
                assertThat(read(atDevice, 5)).isEqualTo("help\r");
            }
        }
        assertThat(Files.exists(user, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    private static String read(InputStream in, int n) throws Exception {
        CompletableFuture<String> text = CompletableFuture.supplyAsync(() -> {
            try {
                // read() in a loop: FileInputStream.readNBytes seeks, and a tty cannot ("Illegal seek").
                byte[] b = new byte[n];
                int got = 0;
                while (got < n) {
                    int r = in.read(b, got, n - got);
                    if (r < 0) {
                        break;
                    }
                    got += r;
                }
                return new String(b, 0, got, StandardCharsets.US_ASCII);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        return text.get(5, TimeUnit.SECONDS);
    }
}
