package dev.firstboot.cli;

import dev.firstboot.rig.RigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The emulator's config reads like a rig file: its field names, its units, its file:line errors. */
class EmulatorConfigTest {
    @TempDir
    Path dir;

    private Path config(String yaml) throws IOException {
        return Files.writeString(dir.resolve("emulator.yaml"), yaml);
    }

    @Test
    void theFieldsAreTheRigFilesNamesWithTheirUnits() throws Exception {
        Files.writeString(dir.resolve("seed.yaml"), "enrollments: []\n");
        EmulatorConfig c = EmulatorConfig.read(config("""
                id-scope: 0ne00TEST01
                host: dps.example.test
                bind: 192.0.2.10
                dps-https: 443
                dps-mqtt: 8883
                retry-after: 3s
                hubs:
                  - {name: hub-a, host: 127.0.0.2, bind: 127.0.0.2, port: 8883}
                  - {name: hub-b}
                service-policies: [{name: provisioningserviceowner, key: AAAAAAAAAAAAAAAAAAAAAA==}]
                seed: seed.yaml
                """));
        assertThat(c.idScope()).isEqualTo("0ne00TEST01");
        assertThat(c.host()).isEqualTo("dps.example.test");
        assertThat(c.dpsHttps()).isEqualTo(443);
        assertThat(c.dpsMqtt()).isEqualTo(8883);
        assertThat(c.retryAfterSeconds()).isEqualTo(3);
        assertThat(c.hubs()).extracting(h -> h.name() + " " + h.host() + " " + h.bind().orElse("-") + " " + h.port())
                .containsExactly("hub-a 127.0.0.2 127.0.0.2 8883", "hub-b hub-b.localhost - 8885");
        assertThat(c.servicePolicies()).singleElement().satisfies(p -> assertThat(p.key()).hasSize(16));
        assertThat(c.seed()).contains(dir.resolve("seed.yaml"));
    }

    @Test
    void anEmptyFileAndNoFileGiveTheDefaults() throws Exception {
        EmulatorConfig empty = EmulatorConfig.read(config(""));
        assertThat(empty).isEqualTo(EmulatorConfig.defaults());
        assertThat(empty.idScope()).isEqualTo("0ne00FB0001");
        assertThat(empty.retryAfterSeconds()).isEqualTo(1);
        assertThat(empty.hubs()).extracting(h -> h.name() + ":" + h.port()).containsExactly("hub-a:8884");
    }

    @Test
    void retryAfterTakesADurationInWholeSeconds() throws Exception {
        assertThat(EmulatorConfig.read(config("retry-after: 2\n")).retryAfterSeconds()).as("a bare number is seconds")
                .isEqualTo(2);
        assertThat(EmulatorConfig.read(config("retry-after: 1m\n")).retryAfterSeconds()).isEqualTo(60);
        Path f = config("host: localhost\nretry-after: 1500ms\n");
        assertThatThrownBy(() -> EmulatorConfig.read(f)).isInstanceOf(RigException.class)
                .hasMessage(f + ":2:14: retry-after: DPS sends retry-after in whole seconds from 0 to 300, got 1500 ms;"
                        + " try 0s or 1s");
    }

    @Test
    void anOldFieldNameIsRefusedWithItsNewName() throws Exception {
        Path f = config("host: localhost\nretryAfterSeconds: 1\n");
        assertThatThrownBy(() -> EmulatorConfig.read(f)).isInstanceOf(RigException.class)
                .hasMessageStartingWith(f + ":2:20: retryAfterSeconds: renamed to 'retry-after'")
                .hasMessageContaining("retry-after: 1s");
        Path g = config("idScope: 0ne00FB0001\n");
        assertThatThrownBy(() -> EmulatorConfig.read(g))
                .hasMessage(g + ":1:10: idScope: renamed to 'id-scope', the name rig files use");
    }

    @Test
    void anUnknownFieldIsRefusedAtItsLineWithTheKnownOnes() throws Exception {
        Path f = config("host: localhost\n\ndps-http: 443\n");
        assertThatThrownBy(() -> EmulatorConfig.read(f)).isInstanceOf(RigException.class)
                .hasMessage(f + ":3:1: dps-http: unknown field; known fields here are: id-scope, host, bind, dps-https,"
                        + " dps-mqtt, hubs, retry-after, service-policies, seed");
        Path g = config("hubs:\n  - {name: hub-a, prot: 8884}\n");
        assertThatThrownBy(() -> EmulatorConfig.read(g))
                .hasMessage(g + ":2:19: hubs[0].prot: unknown field; known fields here are: name, host, bind, port");
    }

    @Test
    void badValuesNameTheFileLineFieldExpectedAndSeen() throws Exception {
        Path port = config("dps-mqtt: 70000\n");
        assertThatThrownBy(() -> EmulatorConfig.read(port))
                .hasMessage(port + ":1:11: dps-mqtt: expected a TCP port from 1 to 65535 (0 = any free port), got"
                        + " \"70000\"");
        Path hub = config("hubs:\n  - name: hub-a\n  - name: Hub_B\n");
        assertThatThrownBy(() -> EmulatorConfig.read(hub))
                .hasMessageStartingWith(hub + ":3:11: hubs[1].name: expected 1 to 50 of a-z")
                .hasMessageContaining("Hub_B");
        Path twice = config("hubs: [{name: hub-a}, {name: hub-a}]\n");
        assertThatThrownBy(() -> EmulatorConfig.read(twice))
                .hasMessage(twice + ":1:30: hubs[1].name: hub \"hub-a\" is listed twice");
        Path clash = config("dps-mqtt: 9000\nhubs: [{name: hub-a, port: 9000}]\n");
        assertThatThrownBy(() -> EmulatorConfig.read(clash))
                .hasMessageStartingWith(clash + ":2:28: hubs[0].port: port 9000 on 127.0.0.1 is already used by"
                        + " dps-mqtt");
        Path seed = config("seed: nowhere.yaml\n");
        assertThatThrownBy(() -> EmulatorConfig.read(seed))
                .hasMessageStartingWith(seed + ":1:7: seed: no such file: " + dir.resolve("nowhere.yaml"));
        Path list = config("- id-scope: x\n");
        assertThatThrownBy(() -> EmulatorConfig.read(list))
                .hasMessageStartingWith(list + ":1:1: an emulator config is a block of fields (id-scope, host,");
    }

    @Test
    void aBadKeyIsDescribedByItsShapeNeverEchoed() throws Exception {
        Path f = config("service-policies:\n  - name: provisioningserviceowner\n    key: c2hvcnQ=\n");
        assertThatThrownBy(() -> EmulatorConfig.read(f))
                .hasMessage(f + ":3:10: service-policies[0].key: expected base64 of 16 to 64 bytes (e.g. 'openssl rand"
                        + " -base64 32'), got base64 of 5 bytes")
                .message().doesNotContain("c2hvcnQ=");
    }

    @Test
    void theShippedContainerConfigReads() throws Exception {
        EmulatorConfig c = EmulatorConfig.read(Path.of("docker", "emulator.yaml"));
        assertThat(c.bind()).isEqualTo("0.0.0.0");
        assertThat(c.hubs()).extracting(h -> h.name()).containsExactly("hub-a", "hub-b");
    }
}
