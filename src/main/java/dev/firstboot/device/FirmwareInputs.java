package dev.firstboot.device;

import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a DICE device's identity is computed from, besides its UDS: the firmware image it runs (measured from the
 * {@code .bin} and {@code .map}), and the MAC and version its automatic registration id is made of. Read from a rig
 * file's device section, the same way for every DICE device kind.
 */
public record FirmwareInputs(Path bin, Path map, FirmwareImage image, String mac, String firmwareVersion) {
    /** The fields {@link #read} takes from a device section. */
    public static final String[] FIELDS = {"firmware", "mac", "firmware-version"};

    public static FirmwareInputs read(PartConfig config) throws RigException {
        PartConfig firmware = config.section("firmware").orElseThrow(() -> config.error(
                "firmware: missing block: give the image the device runs as firmware: {bin: FILE, map: FILE}"));
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
        return new FirmwareInputs(bin, map, image, mac, version);
    }

    /** The id the firmware registers with: the one it was built with, else the automatic one. */
    public String registrationId(java.util.Optional<String> builtIn) throws DeviceException {
        return builtIn.isPresent() ? builtIn.get() : automaticRegistrationId();
    }

    /** {@code az-<mac>v<x>v<y>v<z>}, as the firmware makes it. */
    public String automaticRegistrationId() throws DeviceException {
        try {
            return RegistrationIds.automatic(mac, firmwareVersion);
        } catch (IdentityException e) {
            throw new DeviceException(e.getMessage());
        }
    }
}
