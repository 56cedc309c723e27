package dev.firstboot.device.dice;

import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/** {@code kind: dice-simulator}: a DevKit-style DICE device in-process, with optional defects. */
public final class DiceSimulatorDeviceProvider implements DeviceProvider {
    @Override
    public String kind() {
        return "dice-simulator";
    }

    @Override
    public String description() {
        return "DICE/RIoT device simulator: DevKit alias certificate from a UDS and a firmware image, first boot over "
                + "HTTPS and MQTT";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "firmware", "mac", "firmware-version", "defects", "slow-boot-delay");
        PartConfig firmware = config.section("firmware")
                .orElseThrow(() -> config.error("firmware: missing block: give the image as firmware: {bin: FILE, map: FILE}"));
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
        Set<DiceDefect> defects = EnumSet.noneOf(DiceDefect.class);
        for (String name : config.strings("defects")) {
            defects.add(DiceDefect.named(name).orElseThrow(() -> config.error("defects",
                    "unknown defect \"" + name + "\"; known defects are: " + DiceDefect.names())));
        }
        Duration slowBoot = config.duration("slow-boot-delay", Duration.ofSeconds(3));
        DiceSimulator.Settings settings = new DiceSimulator.Settings(bin, map, image, mac, version, defects, slowBoot);
        return new Spec<>() {
            @Override
            public Set<String> capabilities() {
                return Set.of("x509", "dice");
            }

            @Override
            public Device start(RigContext context) {
                return new DiceSimulator(settings, context);
            }
        };
    }
}
