package dev.firstboot.cli;

import dev.firstboot.identity.dice.DiceVectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class CertCommandTest {
    private static final DiceVectors.Vector V01 = DiceVectors.load("01");
    private static final DiceVectors.Vector V02 = DiceVectors.load("02");

    @TempDir
    Path tmp;

    private record Run(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = new picocli.CommandLine(new CertCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private List<String> inputs(DiceVectors.Vector v, String uds, String... rest) {
        List<String> args = new ArrayList<>(List.of("--bin", v.dir().resolve("DPS.ino.bin").toString(),
                "--map", v.dir().resolve("DPS.ino.map").toString(), "--uds", uds, "--out", outDir().toString()));
        args.addAll(List.of(rest));
        return args;
    }

    private Path outDir() {
        return tmp.resolve("out");
    }

    private Run runWith(DiceVectors.Vector v, String uds, String... rest) {
        return run(inputs(v, uds, rest).toArray(String[]::new));
    }

    private List<Path> written() throws IOException {
        if (!Files.exists(outDir())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(outDir())) {
            return s.toList();
        }
    }

    private void assertRejected(Run r, String... messageParts) throws IOException {
        assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.err()).contains(messageParts);
        assertThat(r.all()).as("output must not contain the UDS").doesNotContain(V01.uds())
                .doesNotContain(V01.uds().substring(0, 20)).doesNotContain(V01.uds().substring(40));
        assertThat(written()).as("no file may be written on an error").isEmpty();
    }

    @Test
    void writesTheToolsExactPemForACustomRegistrationId() throws IOException {
        Run r = runWith(V01, V01.uds(), "--registration-id", V01.registrationId());
        assertThat(r.exit()).as(r.err()).isZero();
        Path pem = outDir().resolve("devkit-dps-vector-01.pem");
        assertThat(pem).hasBinaryContent(V01.expectedAliasPem());
        assertThat(written()).containsExactly(pem);
        assertThat(r.out()).contains(pem.toString()).contains("successful");
        assertThat(r.all()).doesNotContain(V01.uds()).doesNotContain(V01.uds().toUpperCase());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void writesTheAutomaticIdCertificateFromMacAndFirmwareVersion() throws IOException {
        Run r = runWith(V02, V02.uds().toUpperCase(), "--mac", "a0b1c2d3e4f5", "--firmware-version", "2.0.0");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(outDir().resolve("az-a0b1c2d3e4f5v2v0v0.pem")).hasBinaryContent(V02.expectedAliasPem());
    }

    @Test
    void takesTheMacWithSeparatorsAsDevkitSimAndLabelsGiveIt() throws IOException {
        for (String mac : new String[]{"a0:b1:c2:d3:e4:f5", "A0-B1-C2-D3-E4-F5"}) {
            Files.deleteIfExists(outDir().resolve("az-a0b1c2d3e4f5v2v0v0.pem"));
            Run r = runWith(V02, V02.uds(), "--mac", mac, "--firmware-version", "2.0.0");
            assertThat(r.exit()).as(mac + ": " + r.err()).isZero();
            assertThat(outDir().resolve("az-a0b1c2d3e4f5v2v0v0.pem")).hasBinaryContent(V02.expectedAliasPem());
        }
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Files.createDirectories(outDir());
        Files.writeString(outDir().resolve("devkit-dps-vector-01.pem"), "old");
        assertThat(runWith(V01, V01.uds(), "--registration-id", V01.registrationId()).exit()).isZero();
        assertThat(outDir().resolve("devkit-dps-vector-01.pem")).hasBinaryContent(V01.expectedAliasPem());
    }

    @Test
    void warnsButWritesForIdsLongerThanDpsAllows() throws IOException {
        String id = "x".repeat(65);
        Run r = runWith(V01, V01.uds(), "--registration-id", id);
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("warning").contains("65 characters").contains("at most 64");
        assertThat(outDir().resolve(id + ".pem")).isNotEmptyFile();
    }

    @Test
    void rejectsABadUdsWithoutPrintingIt() throws IOException {
        assertRejected(runWith(V01, V01.uds().substring(0, 63), "--registration-id", "d1"), "--uds", "63 characters");
        assertRejected(runWith(V01, V01.uds().substring(0, 63) + "z", "--registration-id", "d1"), "position 64");
    }

    @Test
    void rejectsABadMacOrFirmwareVersion() throws IOException {
        assertRejected(runWith(V01, V01.uds(), "--mac", "a0:b1:c2:d3:e4", "--firmware-version", "2.0.0"),
                "--mac: Expected a MAC address of 6 hex bytes");
        assertRejected(runWith(V01, V01.uds(), "--mac", "a0b1c2d3e4f5", "--firmware-version", "2.0"),
                "three numbers");
        assertRejected(runWith(V01, V01.uds(), "--mac", "a0b1c2d3e4f5"), "--firmware-version");
    }

    @Test
    void rejectsRegistrationIdsNoCertificateCanHold() throws IOException {
        assertRejected(runWith(V01, V01.uds(), "--registration-id", "Device-1"), "lowercase");
        assertRejected(runWith(V01, V01.uds(), "--registration-id", ""), "empty");
        assertRejected(runWith(V01, V01.uds(), "--registration-id", "x".repeat(127)), "127 characters", "126");
        assertRejected(runWith(V01, V01.uds(), "--registration-id", "x".repeat(128)), "128 characters");
        assertRejected(runWith(V01, V01.uds(), "--registration-id", "x".repeat(129)), "129 characters");
    }

    @Test
    void requiresExactlyOneWayToNameTheRegistration() throws IOException {
        assertRejected(runWith(V01, V01.uds()), "--registration-id");
        assertRejected(runWith(V01, V01.uds(), "--registration-id", "d1", "--mac", "a0b1c2d3e4f5",
                "--firmware-version", "2.0.0"), "mutually exclusive");
    }

    @Test
    void namesAMissingOrUnsuitableInputFile() throws IOException {
        Path missing = tmp.resolve("nope.bin");
        assertRejected(run("--bin", missing.toString(), "--map", V01.dir().resolve("DPS.ino.map").toString(),
                "--uds", V01.uds(), "--registration-id", "d1", "--out", outDir().toString()), missing.toString(),
                "does not exist");
        assertRejected(run("--bin", V01.dir().resolve("DPS.ino.bin").toString(), "--map", tmp.toString(),
                "--uds", V01.uds(), "--registration-id", "d1", "--out", outDir().toString()), "--map", "is a folder");
        Path emptyMap = Files.writeString(tmp.resolve("empty.map"), "");
        assertRejected(run("--bin", V01.dir().resolve("DPS.ino.bin").toString(), "--map", emptyMap.toString(),
                "--uds", V01.uds(), "--registration-id", "d1", "--out", outDir().toString()),
                emptyMap.toString(), "FLASH");
    }

    @Test
    void aStrayUdsIsNotEchoed() throws IOException {
        List<String> args = inputs(V01, V01.uds(), "--registration-id", "d1");
        args.add(V01.uds());
        assertRejected(run(args.toArray(String[]::new)), "unexpected argument");
        List<String> misspelt = inputs(V01, V01.uds(), "--registration-id", "d1");
        misspelt.add("--udss=" + V01.uds());
        assertRejected(run(misspelt.toArray(String[]::new)), "unexpected argument");
        assertRejected(run("--bin", "a.bin", "--map", "a.map", "-u", V01.uds(), "--registration-id", "d1"), "--uds");
    }

    @Test
    void anUnwritableOutputFolderIsReportedAndLeavesNothing() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Run r = run("--bin", V01.dir().resolve("DPS.ino.bin").toString(), "--map",
                V01.dir().resolve("DPS.ino.map").toString(), "--uds", V01.uds(), "--registration-id", "d1",
                "--out", file.resolve("sub").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("cannot write").contains(file.resolve("sub").toString());
        assertThat(r.all()).doesNotContain(V01.uds());
    }
}
