package dev.firstboot.device.board;

import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The rig-file fields every DevKit shares: the firmware it runs, its MAC, version and built-in registration id. */
final class DevKitConfig {
    static final String[] FIELDS = {"firmware", "mac", "firmware-version", "registration-id", "boot-deadline"};

    private DevKitConfig() {
    }

    static DevKitOnSerial.Settings read(PartConfig config, String kind, Map<String, String> labels) throws RigException {
        PartConfig firmware = config.section("firmware").orElseThrow(() -> config.error(
                "firmware: missing block: give the image the board runs as firmware: {bin: FILE, map: FILE}"));
        firmware.allowOnly("bin", "map");
        Path bin = firmware.existingFile("bin");
        Path map = firmware.existingFile("map");
        FirmwareImage image;
        try {
            image = FirmwareImage.parse(Files.readAllBytes(bin), Files.readString(map, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw firmware.error("bin", "cannot read the firmware image: " + e.getMessage());
        } catch (IdentityException e) {
            throw firmware.error("map", "this image cannot be measured: " + e.getMessage());
        }
        String mac = config.string("mac", "a0b1c2d3e4f5");
        String version = config.string("firmware-version", "2.0.0");
        try {
            RegistrationIds.automatic(mac, version);
        } catch (IdentityException e) {
            throw config.error(config.has("mac") ? "mac" : "firmware-version", e.getMessage());
        }
        Optional<String> registrationId = config.optionalString("registration-id")
                .filter(id -> !id.isBlank() && !id.equals("automatic"));
        if (registrationId.isPresent()) {
            try {
                RegistrationIds.requireValidForCertificate(registrationId.get());
            } catch (IdentityException e) {
                throw config.error("registration-id", e.getMessage());
            }
        }
        Duration bootDeadline = config.duration("boot-deadline", Duration.ofSeconds(15));
        return new DevKitOnSerial.Settings(kind, bin, map, image, mac, version, registrationId, bootDeadline, labels);
    }
}
