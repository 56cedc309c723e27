package dev.firstboot.device.symkey;

import dev.firstboot.device.boot.SimulatorSession;
import dev.firstboot.device.boot.FirstBoot;
import dev.firstboot.identity.symkey.GroupKeys;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.SymmetricKeyFacet;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A device provisioned with a symmetric key that runs the C SDK's first boot: register with a SAS signed with its key
 * (or the key it derives from its group's key), poll, and connect to the hub with a SAS signed with the same key.
 */
final class SymmetricKeyDevice implements Device, SymmetricKeyFacet {
    private final RigContext context;
    private final String configuredRegistrationId;
    private final Set<SymmetricKeyDefect> defects;
    private final SimulatorSession session;
    private final FirstBoot.Transport transport;
    private String registrationId;
    /** What the scenario provisioned: the device's own key, or a group key to derive it from. */
    private Optional<byte[]> ownKey = Optional.empty();
    private Optional<byte[]> groupKey = Optional.empty();
    private boolean wrongKey;

    SymmetricKeyDevice(RigContext context, String registrationId, Set<SymmetricKeyDefect> defects) {
        this(context, registrationId, defects, FirstBoot.Transport.HTTPS);
    }

    /** As above, reaching DPS over {@code transport} (HTTPS, or MQTT with the SAS as the CONNECT password). */
    SymmetricKeyDevice(RigContext context, String registrationId, Set<SymmetricKeyDefect> defects,
                       FirstBoot.Transport transport) {
        this.transport = transport;
        this.context = context;
        this.session = new SimulatorSession(context);
        this.configuredRegistrationId = registrationId;
        this.registrationId = registrationId;
        this.defects = Set.copyOf(defects);
    }

    @Override
    public String kind() {
        return "symmetric-key-simulator";
    }

    @Override
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("device", kind());
        if (!defects.isEmpty()) {
            labels.put("defects", defects.stream().map(SymmetricKeyDefect::configName).sorted().toList().toString());
        }
        return labels;
    }

    @Override
    public <T> Optional<T> facet(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public synchronized String registrationId() {
        return registrationId;
    }

    @Override
    public synchronized void useRegistrationId(String id) {
        if (id.isBlank()) {
            throw new IllegalArgumentException("a registration id cannot be blank");
        }
        this.registrationId = id;
    }

    @Override
    public synchronized void provisionKey(byte[] key) {
        ownKey = Optional.of(key.clone());
        groupKey = Optional.empty();
    }

    @Override
    public synchronized void provisionGroupKey(byte[] key) {
        groupKey = Optional.of(key.clone());
        ownKey = Optional.empty();
    }

    @Override
    public synchronized void signWithWrongKey(boolean wrong) {
        this.wrongKey = wrong;
    }

    /** The key the device signs with, as its firmware would pick it. */
    private byte[] signingKey() throws DeviceException {
        if (wrongKey) {
            byte[] other = new byte[32];
            new SecureRandom().nextBytes(other);
            return other;
        }
        if (ownKey.isPresent()) {
            return ownKey.get();
        }
        if (groupKey.isPresent()) {
            if (defects.contains(SymmetricKeyDefect.RAW_GROUP_KEY)) { // DEFECT HOOK
                return groupKey.get();
            }
            byte[] derived = GroupKeys.derive(groupKey.get(), registrationId);
            if (defects.contains(SymmetricKeyDefect.PRINTS_DERIVED_KEY)) { // DEFECT HOOK
                session.print("derived device key " + HexFormat.of().formatHex(derived));
            }
            return derived;
        }
        throw new DeviceException("the symmetric-key device of rig " + context.rigName() + " was given no key; a "
                + "scenario must provision one (an individual key or a group key) before the device boots");
    }

    @Override
    public synchronized void boot() throws DeviceException {
        session.stop();
        session.print("symmetric-key device booting, registration id " + registrationId);
        boolean logsSignatures = groupKey.isPresent() && defects.contains(SymmetricKeyDefect.PRINTS_SAS_SIGNATURE);
        SymmetricKeyAuth auth = new SymmetricKeyAuth(registrationId, signingKey(), Clock.systemUTC(),
                defects.contains(SymmetricKeyDefect.HUB_SAS_WITH_KEY_NAME), signature -> {
                    if (logsSignatures) { // DEFECT HOOK
                        session.print("registering with signature " + signature);
                    }
                });
        session.start("symmetric-key-boot", pause -> new FirstBoot(context.endpoints(), context.timeline(),
                FirstBoot.Progress.consoleLines(session::print), auth, FirstBoot.Behaviour.conforming().withTransport(transport), pause));
    }

    @Override
    public BootReport awaitBoot(Duration deadline) throws InterruptedException {
        return session.await(deadline);
    }

    @Override
    public List<String> consoleLog() {
        return session.consoleLog();
    }

    @Override
    public synchronized void resetForScenario() {
        session.reset();
        registrationId = configuredRegistrationId;
        ownKey = Optional.empty();
        groupKey = Optional.empty();
        wrongKey = false;
    }

    @Override
    public synchronized void close() {
        session.stop();
    }
}
