package dev.firstboot.device.serial;

import dev.firstboot.device.serial.PortAddress.Remote;
import dev.firstboot.device.serial.PortAddress.Remote.Protocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A rig file's port string: a path stays a path, exactly; a URL is a network port or a clear error. */
class PortAddressTest {
    @Test
    void aPathIsALocalPortTakenAsItIs() {
        assertThat(PortAddress.parse("/dev/serial/by-id/usb-MXChip_AZ3166-if00"))
                .isEqualTo(new PortAddress.Local(Path.of("/dev/serial/by-id/usb-MXChip_AZ3166-if00")));
        assertThat(PortAddress.parse("/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0"))
                .isInstanceOf(PortAddress.Local.class);
        assertThat(PortAddress.parse("ttyACM0")).isInstanceOf(PortAddress.Local.class);
    }

    @ParameterizedTest
    @CsvSource({
            "rfc2217://127.0.0.1:4000,   RFC2217, 127.0.0.1,  4000, rfc2217://127.0.0.1:4000",
            "RFC2217://board-host:3001/, RFC2217, board-host, 3001, rfc2217://board-host:3001",
            "socket://10.0.0.5:4001,     RAW,     10.0.0.5,   4001, socket://10.0.0.5:4001",
            "rfc2217://[::1]:4000,       RFC2217, ::1,        4000, rfc2217://[::1]:4000",
    })
    void aUrlIsANetworkPort(String text, Protocol protocol, String host, int port, String url) {
        PortAddress address = PortAddress.parse(text);
        assertThat(address).isEqualTo(new Remote(protocol, host, port));
        assertThat(((Remote) address).url()).isEqualTo(url);
        assertThat(address.setsLine()).isEqualTo(protocol == Protocol.RFC2217);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "rfc2217:/127.0.0.1:4000      | two slashes after the colon",
            "rfc2217://127.0.0.1          | no TCP port",
            "rfc2217://127.0.0.1:0        | TCP port 0 is not from 1 to 65535",
            "socket://127.0.0.1:99999     | TCP port 99999 is not from 1 to 65535",
            "rfc2217://:4000              | no host",
            "rfc2217://h:4000?timeout=3   | no user, path or options",
            "rfc2217://h:4000/ttyUSB0     | no user, path or options",
            "tcp://127.0.0.1:4000         | \"tcp:\" is not a kind of serial port",
            "telnet://127.0.0.1:4000      | \"telnet:\" is not a kind of serial port",
            "rfc2217://bad host:4000      | not a valid URL",
    })
    void aMalformedUrlSaysWhatIsWrongAndListsTheForms(String text, String why) {
        assertThatThrownBy(() -> PortAddress.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("serial port \"" + text + "\": ")
                .hasMessageContaining(why)
                .hasMessageContaining("rfc2217://host:port").hasMessageContaining("socket://host:port");
    }
}
