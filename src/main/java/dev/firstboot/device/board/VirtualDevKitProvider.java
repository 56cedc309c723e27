package dev.firstboot.device.board;

import dev.firstboot.device.devkit.Button;
import dev.firstboot.device.devkit.DevKitDefect;
import dev.firstboot.device.devkit.MacAddress;
import dev.firstboot.device.devkit.VirtualDevKit;
import dev.firstboot.device.serial.ExpectConsole;
import dev.firstboot.device.serial.JSerialCommLink;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kind: virtual-devkit}: our emulation of the DevKit firmware behind a real pty, driven by the harness through
 * jSerialComm exactly like a board on a USB serial port. Its reset and buttons are worked directly.
 */
public final class VirtualDevKitProvider implements DeviceProvider {
    @Override
    public String kind() {
        return "virtual-devkit";
    }

    @Override
    public Set<String> capabilityTags() {
        return Set.of("x509", "dice", "devkit", "serial", "console", "controls");
    }

    @Override
    public String description() {
        return "virtual MXChip AZ3166 DevKit: the firmware's console and first boot behind a real pty";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        List<String> known = new ArrayList<>(List.of("kind", "defects", "registration-budget"));
        known.addAll(List.of(DevKitConfig.FIELDS));
        config.allowOnly(known.toArray(String[]::new));
        Set<DevKitDefect> defects = EnumSet.noneOf(DevKitDefect.class);
        for (String name : config.strings("defects")) {
            defects.add(DevKitDefect.named(name).orElseThrow(() -> config.error("defects",
                    "unknown defect \"" + name + "\"; known defects are: " + DevKitDefect.names())));
        }
        java.time.Duration budget = config.duration("registration-budget", java.time.Duration.ofSeconds(60));
        if (budget.compareTo(java.time.Duration.ofSeconds(1)) < 0 || budget.compareTo(java.time.Duration.ofMinutes(30)) > 0) {
            throw config.error("registration-budget", "expected 1s to 30m (how long the firmware keeps trying before "
                    + "it gives up), got " + budget.toMillis() + " ms");
        }
        DevKitOnSerial.Settings settings = DevKitConfig.read(config, kind(), defects.isEmpty() ? Map.of()
                : Map.of("defects", defects.stream().map(DevKitDefect::configName).sorted().toList().toString()));
        return new Spec<>() {

            @Override
            public int instances() {
                return Integer.MAX_VALUE;
            }
            @Override
            public Set<String> capabilities() {
                return Set.of("x509", "dice", "devkit", "serial", "console", "controls");
            }

            @Override
            public Device start(RigContext context) throws RigException {
                return startBoard(settings, defects, budget, context);
            }
        };
    }

    private static Device startBoard(DevKitOnSerial.Settings settings, Set<DevKitDefect> defects,
                                     java.time.Duration budget, RigContext context)
            throws RigException {
        Path dir = context.workDirectory().resolve("virtual-devkit");
        VirtualDevKit.Builder builder = VirtualDevKit.builder(dir.resolve("state"), settings.inputs().bin(), settings.inputs().map())
                .firmwareVersion(settings.inputs().firmwareVersion()).mac(new MacAddress(settings.inputs().mac()))
                .endpoints(context.endpoints()).timeline(context.timeline()).link(dir.resolve("ttyDevKit"))
                .defects(defects).registrationBudget(budget);
        settings.registrationId().ifPresentOrElse(builder::registrationId, builder::automaticRegistrationId);
        VirtualDevKit kit;
        try {
            kit = builder.build();
        } catch (IOException e) {
            throw new RigException("the virtual DevKit could not start: " + e.getMessage());
        }
        JSerialCommLink link;
        try {
            link = JSerialCommLink.open(kit.userSide());
        } catch (IOException e) {
            kit.close();
            throw new RigException("cannot open the virtual DevKit's pty " + kit.userSide() + ": " + e.getMessage());
        }
        ExpectConsole console = ExpectConsole.over(link).named("virtual-devkit").timeline(context.timeline())
                .redactor(context.redactor()).start();
        BoardControls controls = action -> {
            switch (action) {
                case RESET -> {
                    if (kit.state() instanceof dev.firstboot.device.devkit.BoardState.Off) {
                        kit.powerOn();
                    } else {
                        kit.reset();
                    }
                }
                case PRESS_A -> kit.press(Button.A);
                case RELEASE_A -> kit.release(Button.A);
                case PRESS_B -> kit.press(Button.B);
                case RELEASE_B -> kit.release(Button.B);
                case POWER_OFF -> kit.powerOff();
                case POWER_ON -> kit.powerOn();
            }
        };
        return new DevKitOnSerial(context.rigName(), settings, console, controls, Optional.of(kit::flashRegistrationId), kit::powerOff,
                () -> {
                    link.close();
                    kit.close();
                });
    }
}
