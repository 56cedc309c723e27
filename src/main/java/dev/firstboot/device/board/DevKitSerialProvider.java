package dev.firstboot.device.board;

import dev.firstboot.device.serial.ExpectConsole;
import dev.firstboot.device.serial.JSerialCommLink;
import dev.firstboot.device.serial.PortAddress;
import dev.firstboot.device.serial.SerialLink;
import dev.firstboot.rig.ControlAction;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kind: devkit-serial}: a physical MXChip AZ3166 DevKit on a serial port, its reset and buttons worked by the
 * rig's controls (commands, or an operator when a control has none).
 */
public final class DevKitSerialProvider implements DeviceProvider {
    @Override
    public String kind() {
        return "devkit-serial";
    }

    @Override
    public Set<String> capabilityTags() {
        return Set.of("x509", "dice", "devkit", "serial", "console", "physical");
    }

    @Override
    public String description() {
        return "physical MXChip AZ3166 DevKit on a serial port (115200 8N1; a device path, rfc2217:// or socket://), reset "
                + "and buttons by the rig's controls";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        List<String> known = new ArrayList<>(List.of("kind", "port", "baud", "pacing", "dps-endpoint", "id-scope"));
        known.addAll(List.of(DevKitConfig.FIELDS));
        config.allowOnly(known.toArray(String[]::new));
        String port = config.string("port");
        PortAddress address;
        try {
            address = PortAddress.parse(port);
        } catch (IllegalArgumentException e) {
            throw config.error("port", e.getMessage());
        }
        if (!address.setsLine() && config.has("baud")) {
            throw config.error("baud", "a socket:// port carries the bytes only; its baud rate is set in the "
                    + "exporter's configuration (ser2net: the connector's 115200n81). Remove baud here, or use "
                    + "rfc2217:// to set it from the rig");
        }
        int baud = config.integer("baud", JSerialCommLink.DEFAULT_BAUD, 1200, 4_000_000);
        Duration pacing = config.duration("pacing", Duration.ZERO);
        // What DPS.ino was built with: documentation for the bench, and a check that the backend is the one it calls.
        Optional<String> dpsEndpoint = config.optionalString("dps-endpoint");
        Optional<String> idScope = config.optionalString("id-scope");
        DevKitOnSerial.Settings settings = DevKitConfig.read(config, kind(), dpsEndpoint.map(e -> Map.of("port", port, "dps-endpoint", e)).orElse(Map.of("port", port)));
        return new Spec<>() {
            @Override
            public Set<String> capabilities() {
                return Set.of("x509", "dice", "devkit", "serial", "console", "physical");
            }

            @Override
            public Device start(RigContext context) throws RigException {
                for (ControlAction needed : List.of(ControlAction.RESET, ControlAction.PRESS_A, ControlAction.RELEASE_A)) {
                    if (!context.controls().supports(needed)) {
                        throw new RigException("rig " + context.rigName() + ": a devkit-serial board needs controls for "
                                + "reset and button A; add a controls section with kind: commands (commands for reset, "
                                + "press-a, release-a, or an operator)");
                    }
                }
                if (idScope.isPresent() && !idScope.get().equals(context.endpoints().idScope())) {
                    throw new RigException("rig " + context.rigName() + ": the board's firmware was built with ID scope "
                            + idScope.get() + " but the backend serves " + context.endpoints().idScope()
                            + "; set backend.id-scope to the firmware's");
                }
                SerialLink link;
                try {
                    link = address.open(baud);
                } catch (IOException e) {
                    throw new RigException("rig " + context.rigName() + ": " + e.getMessage());
                }
                ExpectConsole console = ExpectConsole.over(link).named(port).timeline(context.timeline())
                        .redactor(context.redactor()).pacing(pacing).start();
                return new DevKitOnSerial(context.rigName(), settings, console, context.controls()::perform, Optional.empty(), () -> { },
                        link);
            }
        };
    }
}
