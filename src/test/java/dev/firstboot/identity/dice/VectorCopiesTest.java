package dev.firstboot.identity.dice;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The copies this repository ships (default firmware, test resources) must not drift from the shared vectors. */
class VectorCopiesTest {
    private static final Path REPO = Path.of("").toAbsolutePath();

    /** Without the shared folder (a lone clone in CI) there is nothing to compare the copies with. */
    private static Path sharedOrSkip() {
        java.util.Optional<Path> shared = DiceVectors.shared();
        org.junit.jupiter.api.Assumptions.assumeTrue(shared.isPresent(),
                "the shared vectors folder is not next to this clone; the committed copies are used as they are");
        return shared.get();
    }

    @Test
    void shippedFirmwareEqualsTheVectorImages() throws IOException {
        Path shared = sharedOrSkip();
        for (String[] copy : new String[][]{{"devkit-dps-a", "01"}, {"devkit-dps-c", "08"}}) {
            for (String file : List.of("DPS.ino.bin", "DPS.ino.map")) {
                assertThat(REPO.resolve("firmware").resolve(copy[0]).resolve(file))
                        .as("firmware/%s/%s", copy[0], file).hasSameBinaryContentAs(shared.resolve(copy[1]).resolve(file));
            }
        }
    }

    @Test
    void testResourceCopiesEqualTheSharedVectors() throws IOException {
        Path shared = sharedOrSkip();
        Path copies = REPO.resolve("src/test/resources/vectors/devkit-dice");
        try (Stream<Path> files = Files.walk(shared)) {
            List<Path> regular = files.filter(Files::isRegularFile).toList();
            assertThat(regular).hasSizeGreaterThanOrEqualTo(3 * 6);
            for (Path f : regular) {
                Path rel = shared.relativize(f);
                assertThat(copies.resolve(rel.toString())).as("copy of %s", rel).hasSameBinaryContentAs(f);
            }
        }
    }
}
