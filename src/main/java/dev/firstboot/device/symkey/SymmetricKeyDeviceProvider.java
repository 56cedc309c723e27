package dev.firstboot.device.symkey;

import dev.firstboot.device.boot.FirstBoot;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.util.EnumSet;
import java.util.Set;

/** {@code kind: symmetric-key-simulator}: a device that signs SAS tokens with a symmetric key, in-process. */
public final class SymmetricKeyDeviceProvider implements DeviceProvider {
    static final String DEFAULT_REGISTRATION_ID = "symmetric-key-device-01";

    @Override
    public String kind() {
        return "symmetric-key-simulator";
    }

    @Override
    public Set<String> capabilityTags() {
        return Set.of("symmetric-key");
    }

    @Override
    public String description() {
        return "device with a symmetric key (individual or derived from a group key), SAS to DPS and hub";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "registration-id", "defects", "transport");
        String transportName = config.string("transport", "https");
        FirstBoot.Transport transport = switch (transportName) {
            case "https" -> FirstBoot.Transport.HTTPS;
            case "mqtt" -> FirstBoot.Transport.MQTT;
            default -> throw config.error("transport", "expected https or mqtt (how the device reaches DPS), got \""
                    + transportName + "\"");
        };
        Set<SymmetricKeyDefect> defects = EnumSet.noneOf(SymmetricKeyDefect.class);
        for (String name : config.strings("defects")) {
            defects.add(SymmetricKeyDefect.named(name).orElseThrow(() -> config.error("defects",
                    "unknown defect \"" + name + "\"; known defects are: " + SymmetricKeyDefect.names())));
        }
        String registrationId = config.optionalString("registration-id").filter(s -> !s.isBlank())
                .orElse(DEFAULT_REGISTRATION_ID);
        if (!registrationId.matches("[A-Za-z0-9._:-]{1,128}")) {
            throw config.error("registration-id", "a registration id is letters, digits and '-', '.', '_', ':', at "
                    + "most 128 characters");
        }
        return new Spec<>() {

            @Override
            public int instances() {
                return Integer.MAX_VALUE;
            }
            @Override
            public Set<String> capabilities() {
                return Set.of("symmetric-key");
            }

            @Override
            public Device start(RigContext context) {
                return new SymmetricKeyDevice(context, registrationId, defects, transport);
            }
        };
    }
}
