package dev.firstboot.identity.dice;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The golden DevKit DICE vectors of {@code shared/vectors/devkit-dice}, made with Microsoft's {@code dps_cert_gen}.
 * They are read from the shared folder (the source of truth, a sibling of the repository on developers' machines)
 * when it is there; a clone on its own (CI) uses the copies in {@code src/test/resources/vectors}, which
 * {@code VectorCopiesTest} holds byte-identical to the shared folder wherever both exist.
 */
public final class DiceVectors {
    public static final String PROPERTY = "firstboot.vectors";
    private static final String RELATIVE = "shared/vectors/devkit-dice";

    private DiceVectors() {
    }

    /** One vector folder. */
    public record Vector(String name, Path dir, String uds, String registrationId, byte[] bin, String map,
                         byte[] expectedAliasPem, JsonNode expected) {
        public byte[] hex(String intermediate) {
            JsonNode node = expected.path("intermediate").path(intermediate);
            if (!node.isTextual()) {
                throw new IllegalStateException("expected.json of vector " + name + " has no intermediate '"
                        + intermediate + "'");
            }
            return HexFormat.of().parseHex(node.asText());
        }

        public String text(String intermediate) {
            return expected.path("intermediate").path(intermediate).asText();
        }

        public FirmwareImage firmware() throws dev.firstboot.identity.IdentityException {
            return FirmwareImage.parse(bin, map);
        }
    }

    /** The devkit-dice folder: {@code -Dfirstboot.vectors}, else the shared folder above, else the committed copy. */
    public static Path dir() {
        return shared().orElseGet(DiceVectors::committedCopy);
    }

    /** The committed copy of the vectors in this repository's test resources. */
    public static Path committedCopy() {
        Path copy = Path.of("src/test/resources/vectors/devkit-dice").toAbsolutePath();
        if (!Files.isDirectory(copy.resolve("01"))) {
            throw new IllegalStateException("The DICE vectors were not found: neither " + RELATIVE + " above "
                    + Path.of("").toAbsolutePath() + " nor the copy in " + copy + ". Run the tests from the repository "
                    + "root, or pass -D" + PROPERTY + "=<path to shared/vectors>.");
        }
        return copy;
    }

    /** The shared vectors ({@code -Dfirstboot.vectors}, or the first {@code shared/vectors/devkit-dice} above). */
    public static java.util.Optional<Path> shared() {
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            Path p = Path.of(property).toAbsolutePath();
            Path candidate = Files.isDirectory(p.resolve("devkit-dice")) ? p.resolve("devkit-dice") : p;
            if (!Files.isDirectory(candidate.resolve("01"))) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + property + " does not point at the DICE vectors "
                        + "(expected a folder holding devkit-dice/01 or 01)");
            }
            return java.util.Optional.of(candidate);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve(RELATIVE);
            if (Files.isDirectory(candidate.resolve("01"))) {
                return java.util.Optional.of(candidate);
            }
        }
        return java.util.Optional.empty();
    }

    public static Vector load(String name) {
        Path d = dir().resolve(name);
        try {
            return new Vector(name, d,
                    Files.readString(d.resolve("uds.txt"), StandardCharsets.US_ASCII),
                    Files.readString(d.resolve("regid.txt"), StandardCharsets.US_ASCII),
                    Files.readAllBytes(d.resolve("DPS.ino.bin")),
                    Files.readString(d.resolve("DPS.ino.map"), StandardCharsets.ISO_8859_1),
                    Files.readAllBytes(d.resolve("expected-alias.pem")),
                    new ObjectMapper().readTree(d.resolve("expected.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read DICE vector " + d, e);
        }
    }
}
