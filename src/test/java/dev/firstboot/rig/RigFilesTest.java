package dev.firstboot.rig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A malformed rig file is rejected with the file, the line and the field, and a hint. */
class RigFilesTest {
    @TempDir
    Path dir;

    private Path rig(String yaml) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void invalidYamlNamesTheLine() throws Exception {
        Path f = rig("name: x\nbackend:\n  kind: embedded\n   hubs: [a\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":4:").hasMessageContaining("not valid YAML");
    }

    @Test
    void anUnknownTopLevelFieldIsRefusedWithItsLine() throws Exception {
        Path f = rig("name: x\n\ndevise:\n  kind: dice-simulator\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessage(f + ":3:1: devise: unknown field; known fields here are: name, description, capabilities, "
                        + "max-parallel, backend, device, controls");
    }

    @Test
    void anUnknownPartKindListsTheKnownKinds() throws Exception {
        Path f = rig("name: x\nbackend:\n  kind: cloud-please\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":3:9: backend.kind: unknown backend kind 'cloud-please'; known kinds:");
    }

    @Test
    void aRigFileThatIsNotABlockOfFieldsIsRefused() throws Exception {
        Path f = rig("- just\n- a list\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageContaining(":1:1: a rig file is a block of fields");
    }

    @Test
    void aMalformedSerialPortUrlIsRefusedWithItsLine() throws Exception {
        Path f = rig("name: x\nbackend:\n  kind: embedded\ndevice:\n  kind: devkit-serial\n  port: rfc2217:/127.0.0.1:4000\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":6:9: device.port: serial port \"rfc2217:/127.0.0.1:4000\": expected "
                        + "rfc2217://host:port (two slashes after the colon); a port is a device path");
    }

    @Test
    void aBaudRateOnARawTcpPortIsRefusedWithItsLine() throws Exception {
        Path f = rig("name: x\nbackend:\n  kind: embedded\ndevice:\n  kind: devkit-serial\n"
                + "  port: socket://127.0.0.1:4001\n  baud: 9600\n");
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":7:9: device.baud: a socket:// port carries the bytes only")
                .hasMessageContaining("rfc2217://");
    }

    @Test
    void anUnknownRigNameListsTheKnownRigs() throws Exception {
        Files.writeString(dir.resolve("one.yaml"), "name: one\n");
        assertThatThrownBy(() -> new RigFiles(dir).load("two")).isInstanceOf(RigException.class)
                .hasMessageContaining("No rig named 'two'").hasMessageContaining("Known rigs: one");
    }

    private static final String FIRMWARE = "  firmware:\n    bin: " + Path.of("firmware/devkit-dps-a/DPS.ino.bin")
            .toAbsolutePath() + "\n    map: " + Path.of("firmware/devkit-dps-a/DPS.ino.map").toAbsolutePath() + "\n";

    @Test
    void aSimulatedRigRunsManyScenariosAtOnceAndABoardOne() throws Exception {
        assertThat(RigFiles.read(rig("name: sim\nbackend:\n  kind: embedded\ndevice:\n  kind: symmetric-key-simulator\n"))
                .maxParallel()).isEqualTo(RigFiles.DEFAULT_PARALLEL);
        assertThat(RigFiles.read(rig("name: sim\nmax-parallel: 3\nbackend:\n  kind: embedded\ndevice:\n"
                + "  kind: symmetric-key-simulator\n")).maxParallel()).isEqualTo(3);
        assertThat(RigFiles.read(rig("name: board\nbackend:\n  kind: embedded\ndevice:\n  kind: devkit-serial\n"
                + "  port: /dev/ttyACM0\n" + FIRMWARE)).maxParallel()).isEqualTo(1);
    }

    @Test
    void moreParallelScenariosThanABoardCanRunIsRefusedWithItsLine() throws Exception {
        Path f = rig("name: board\nmax-parallel: 4\nbackend:\n  kind: embedded\ndevice:\n  kind: devkit-serial\n"
                + "  port: /dev/ttyACM0\n" + FIRMWARE);
        assertThatThrownBy(() -> RigFiles.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":2:")
                .hasMessageContaining("the rig's device runs one scenario at once")
                .hasMessageContaining("max-parallel is at most 1, got 4")
                .hasMessageContaining("use a farm");
    }
}
