package dev.firstboot.rig.controls;

import dev.firstboot.rig.ControlAction;
import dev.firstboot.rig.Controls;
import dev.firstboot.rig.ControlsProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code kind: commands}: a physical board's reset, buttons and power, each driven by a shell command (a relay, a
 * USB hub port, a GPIO, an st-link reset). An action without a command is asked of an operator, unless
 * {@code operator: false}.
 */
public final class CommandControlsProvider implements ControlsProvider {
    @Override
    public String kind() {
        return "commands";
    }

    @Override
    public Set<String> capabilityTags() {
        return Set.of("controls", "physical");
    }

    @Override
    public String description() {
        return "reset, buttons and power by shell commands (relay, USB hub, GPIO, st-link); an operator is asked for the rest";
    }

    @Override
    public Spec<Controls> configure(PartConfig config) throws RigException {
        List<String> known = new ArrayList<>(List.of("kind", "timeout", "operator"));
        for (ControlAction a : ControlAction.values()) {
            known.add(a.field());
        }
        config.allowOnly(known.toArray(String[]::new));
        Map<ControlAction, String> commands = new EnumMap<>(ControlAction.class);
        for (ControlAction a : ControlAction.values()) {
            config.optionalString(a.field()).filter(c -> !c.isBlank()).ifPresent(c -> commands.put(a, c));
        }
        Duration timeout = config.duration("timeout", Duration.ofSeconds(10));
        if (timeout.isZero() || timeout.isNegative()) {
            throw config.error("timeout", "a control command needs a deadline above zero");
        }
        boolean operator = config.bool("operator", true);
        return new Spec<>() {
            @Override
            public Set<String> capabilities() {
                return Set.of("controls", "physical");
            }

            @Override
            public Controls start(RigContext context) {
                return new CommandControls(commands, timeout, operator, context.timeline(), context.rigName(), System.err);
            }
        };
    }
}
