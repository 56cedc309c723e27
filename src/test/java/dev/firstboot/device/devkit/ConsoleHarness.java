package dev.firstboot.device.devkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** A console on a fresh storage, with its output collected as ISO-8859-1 text. */
final class ConsoleHarness {
    final StsafeStorage storage;
    final DevKitConsole console;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ConsoleHarness(Path dir, String firmwareVersion, List<String> networks) {
        storage = StsafeStorage.open(dir);
        console = new DevKitConsole(DevKitFirmware.of(firmwareVersion), storage, networks, out::writeBytes);
    }

    ConsoleHarness(Path dir, String firmwareVersion) {
        this(dir, firmwareVersion, List.of());
    }

    /** Sends {@code text} and returns what the console wrote in reply (and clears it). */
    String send(String text) {
        console.input(text.getBytes(StandardCharsets.ISO_8859_1));
        return take();
    }

    String take() {
        String s = out.toString(StandardCharsets.ISO_8859_1);
        out.reset();
        return s;
    }

    String zone(StsafeZone zone) {
        byte[] b = storage.read(zone, 0, zone.size()).orElseThrow();
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
