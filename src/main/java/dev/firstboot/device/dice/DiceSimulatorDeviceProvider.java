package dev.firstboot.device.dice;

import dev.firstboot.device.FirmwareInputs;
import dev.firstboot.device.boot.FirstBoot;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

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
    public Set<String> capabilityTags() {
        return Set.of("x509", "dice");
    }

    @Override
    public String description() {
        return "DICE/RIoT device simulator: DevKit alias certificate from a UDS and a firmware image, registers with DPS "
                + "over HTTPS or MQTT (transport), then MQTT to its hub";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "firmware", "mac", "firmware-version", "defects", "slow-boot-delay", "transport",
                "registration-budget");
        FirmwareInputs inputs = FirmwareInputs.read(config);
        Set<DiceDefect> defects = EnumSet.noneOf(DiceDefect.class);
        for (String name : config.strings("defects")) {
            defects.add(DiceDefect.named(name).orElseThrow(() -> config.error("defects",
                    "unknown defect \"" + name + "\"; known defects are: " + DiceDefect.names())));
        }
        Duration slowBoot = config.duration("slow-boot-delay", Duration.ofSeconds(3));
        String transportName = config.string("transport", "https");
        FirstBoot.Transport transport = switch (transportName) {
            case "https" -> FirstBoot.Transport.HTTPS;
            case "mqtt" -> FirstBoot.Transport.MQTT;
            default -> throw config.error("transport", "expected https or mqtt (how the device reaches DPS), got \""
                    + transportName + "\"");
        };
        Duration budget = config.duration("registration-budget", FirstBoot.Behaviour.conforming().registrationDeadline());
        if (budget.compareTo(Duration.ofSeconds(1)) < 0 || budget.compareTo(Duration.ofMinutes(30)) > 0) {
            throw config.error("registration-budget", "expected 1s to 30m (how long the device keeps trying before "
                    + "it gives up), got " + budget.toMillis() + " ms");
        }
        DiceSimulator.Settings settings = new DiceSimulator.Settings(inputs, defects, slowBoot, transport, budget);
        return new Spec<>() {

            @Override
            public int instances() {
                return Integer.MAX_VALUE;
            }
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
