package dev.firstboot.farm;

import dev.firstboot.cli.Main;
import dev.firstboot.rig.FarmFiles;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.rig.RigSpec;
import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The farm inventory: what it accepts, and how it names the file, the board and the field when it refuses. */
class FarmInventoryTest {
    @TempDir
    Path dir;

    private Path farm(String boards) throws Exception {
        return Files.writeString(dir.resolve("farm.yaml"), """
                name: test-farm
                backend:
                  kind: embedded
                boards:
                """ + boards);
    }

    private static String board(String name, String port, String extra) {
        return """
                  - name: %s
                    %s
                    device:
                      kind: devkit-serial
                      port: %s
                      firmware:
                        bin: %s
                        map: %s
                    controls:
                      kind: commands
                      reset: "true"
                      press-a: "true"
                      release-a: "true"
                """.formatted(name, extra, port, Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map"));
    }

    @Test
    void theExampleInventoryIsValidAndEachBoardIsARigOfItsOwn() throws Exception {
        FarmFiles.Farm farm = FarmFiles.read(Runs.RIGS.resolve("farm.example.yaml"));
        assertThat(farm.boards()).extracting(FarmFiles.Board::name).containsExactly("devkit-01", "devkit-02", "devkit-03");
        assertThat(farm.boards()).extracting(b -> b.host().orElse("")).containsExactly("lab-a", "lab-a", "lab-b");
        assertThat(farm.boards()).extracting(FarmFiles.Board::pool).containsOnly("az3166-fw2");
        assertThat(farm.boards().get(0).rig().capabilities()).contains("devkit", "serial", "console", "controls");

        RigSpec one = new RigFiles(Runs.RIGS).load(Runs.RIGS.resolve("farm.example.yaml") + "#devkit-02");
        assertThat(one.name()).isEqualTo("devkit-02");
        assertThat(one.maxParallel()).isEqualTo(1);
    }

    @Test
    void anUnknownFieldIsNamedWithItsFileLineAndBoard() throws Exception {
        Path f = farm(board("devkit-01", "/dev/ttyACM0", "colour: blue"));
        assertThatThrownBy(() -> FarmFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":6:")
                .hasMessageContaining("boards[devkit-01].colour: unknown field");
    }

    @Test
    void aBoardDeviceErrorNamesTheBoard() throws Exception {
        Path f = farm(board("devkit-01", "/dev/ttyACM0", "host: lab-a") + board("devkit-02", "/dev/ttyACM1", "pool: x")
                .replace("firmware:", "baud: fast\n      firmware:"));
        assertThatThrownBy(() -> FarmFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageContaining("boards[devkit-02].device.baud");
    }

    @Test
    void boardNamesAreUniqueAndTwoBoardsNeverShareAPortOnOneHost() throws Exception {
        Path twice = farm(board("devkit-01", "/dev/ttyACM0", "host: a") + board("devkit-01", "/dev/ttyACM1", "host: a"));
        assertThatThrownBy(() -> FarmFiles.read(twice)).hasMessageContaining("boards[1].name: board 'devkit-01' is listed twice");
        Path shared = farm(board("devkit-01", "/dev/ttyACM0", "host: a") + board("devkit-02", "/dev/ttyACM0", "host: a"));
        assertThatThrownBy(() -> FarmFiles.read(shared)).hasMessageContaining("boards[devkit-02].device.port: board devkit-01 "
                + "already uses /dev/ttyACM0 on host a");
        // The same port path on two hosts is two ports.
        Path twoHosts = farm(board("devkit-01", "/dev/ttyACM0", "host: a") + board("devkit-02", "/dev/ttyACM0", "host: b"));
        assertThat(FarmFiles.read(twoHosts).boards()).hasSize(2);
    }

    @Test
    void aFarmWithoutBoardsOrBackendSaysWhatItNeeds() throws Exception {
        Path none = Files.writeString(dir.resolve("none.yaml"), "name: f\nbackend:\n  kind: embedded\nboards: []\n");
        assertThatThrownBy(() -> FarmFiles.read(none)).hasMessageContaining("boards: expected a list of boards");
        Path noBackend = Files.writeString(dir.resolve("nb.yaml"), "name: f\nboards:\n" + board("b", "/dev/x", "host: a"));
        assertThatThrownBy(() -> FarmFiles.read(noBackend)).hasMessageContaining("missing field 'backend'");
        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> FarmFiles.read(missing)).hasMessageContaining("no such farm file");
        Path unknownBoard = farm(board("devkit-01", "/dev/ttyACM0", "host: a"));
        assertThatThrownBy(() -> new RigFiles(dir).load(unknownBoard + "#devkit-09"))
                .hasMessageContaining("no board named 'devkit-09'").hasMessageContaining("devkit-01");
    }

    @Test
    void farmOptionsGoTogetherAndBadOnesAreUsageErrors() throws Exception {
        Path f = farm(board("devkit-01", "/dev/ttyACM0", "host: a"));
        assertThat(cli("run", "--spread")).startsWith("2|").contains("go with --farm FILE");
        assertThat(cli("run", "--farm", f.toString(), "--rig", "embedded")).startsWith("2|").contains("takes the place of --rig");
        assertThat(cli("run", "--farm", f.toString(), "--board", "devkit-07", "--features",
                Runs.FEATURES.resolve("devkit/configuration-console.feature").toString()))
                .startsWith("2|").contains("--board devkit-07: no such board");
        assertThat(cli("run", "--farm", f.toString(), "--repeat", "0")).startsWith("2|").contains("--repeat must be 1 to 1000");
        assertThat(cli("run", "--farm", dir.resolve("nope.yaml").toString())).startsWith("2|").contains("no such farm file");
        assertThat(cli("run", "--farm", f.toString(), "--features",
                Runs.FEATURES.resolve("devkit/configuration-console.feature") + ":3"))
                .startsWith("2|").contains("configuration-console.feature:3 is not in a scenario (it is in the feature's "
                        + "header and description)").contains("its scenarios span lines 14–");
    }

    @Test
    void firstbootRigsListsTheFarmInsteadOfCallingItInvalid() {
        String out = cli("rigs");
        assertThat(out).contains("farm.example").contains("farm of 3 boards: devkit-01 devkit-02 devkit-03")
                .doesNotContain("INVALID");
    }

    static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return code + "|" + out + err;
    }

    static List<String> lines(String s) {
        return s.lines().toList();
    }
}
