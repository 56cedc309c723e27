package dev.firstboot.service;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.RigException;
import dev.firstboot.timeline.TimelineSink;

import dev.firstboot.service.hub.IotHubEmulator;

import java.util.List;
import java.util.Map;

/** The embedded backend for tests outside this package: DPS and one hub, {@code hub-a}, retry-after 1 s. */
public final class TestBackends {
    public static final String ID_SCOPE = EmbeddedRig.ID_SCOPE;

    private TestBackends() {
    }

    public static Backend embedded(TimelineSink timeline) throws RigException {
        return EmbeddedBackend.start(new EmbeddedBackend.Settings(ID_SCOPE, 1, List.of("hub-a")), timeline);
    }

    /**
     * DPS and one hub, {@code hub-a}, on fixed ports, as the Azure SDKs need them: DPS HTTPS on an ephemeral port
     * of {@code dpsAddress}, DPS MQTT on {@code dpsAddress:dpsMqttPort}, the hub on {@code hubAddress:hubPort},
     * assigned to devices by that IP literal.
     */
    public static Backend embeddedOn(TimelineSink timeline, String dpsAddress, int dpsMqttPort, String hubAddress,
                                     int hubPort) throws RigException {
        return EmbeddedBackend.start(new EmbeddedBackend.Settings(ID_SCOPE, 1, List.of("hub-a"),
                new EmbeddedBackend.Bind(dpsAddress, 0), new EmbeddedBackend.Bind(dpsAddress, dpsMqttPort),
                Map.of("hub-a", new EmbeddedBackend.HubBind(hubAddress, hubPort, hubAddress))), timeline);
    }

    /**
     * DPS HTTPS and MQTT on {@code dpsAddress}, and each hub named in {@code hubAddresses} (in order) on its own
     * address, all hubs on {@code hubPort}, each assigned to devices by its IP literal. A port 0 is ephemeral; the
     * stock Azure SDK ports are 443 and 8883.
     */
    public static Backend embeddedOn(TimelineSink timeline, String dpsAddress, int dpsHttpsPort, int dpsMqttPort,
                                     Map<String, String> hubAddresses, int hubPort) throws RigException {
        Map<String, EmbeddedBackend.HubBind> binds = new java.util.LinkedHashMap<>();
        hubAddresses.forEach((hub, address) -> binds.put(hub, new EmbeddedBackend.HubBind(address, hubPort, address)));
        return EmbeddedBackend.start(new EmbeddedBackend.Settings(ID_SCOPE, 1, List.copyOf(hubAddresses.keySet()),
                new EmbeddedBackend.Bind(dpsAddress, dpsHttpsPort), new EmbeddedBackend.Bind(dpsAddress, dpsMqttPort),
                binds), timeline);
    }

    /** The emulator behind {@code hubName} of an embedded backend, to send C2D messages and invoke methods. */
    public static IotHubEmulator hub(Backend backend, String hubName) {
        if (!(backend instanceof EmbeddedBackend embedded)) {
            throw new IllegalArgumentException("only the embedded backend exposes its hub emulators, got "
                    + backend.kind());
        }
        return embedded.hub(hubName).orElseThrow(() -> new IllegalArgumentException("no hub " + hubName));
    }
}
