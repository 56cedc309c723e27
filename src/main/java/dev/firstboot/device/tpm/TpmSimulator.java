package dev.firstboot.device.tpm;

import dev.firstboot.device.boot.SimulatorSession;
import dev.firstboot.device.boot.FirstBoot;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.TpmFacet;
import dev.firstboot.rig.TpmFaultsFacet;
import dev.firstboot.identity.tpm.TpmRegistrationIds;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A device with a real TPM 2.0 (swtpm, driven through TSS.Java) that runs the C SDK's TPM first boot: register with
 * its EK and SRK, activate DPS's challenge inside the TPM, register again with a SAS the TPM signs, poll, activate
 * the hub key from the assignment, and connect to the hub with a SAS that key signs.
 */
final class TpmSimulator implements Device, TpmFacet, TpmFaultsFacet {
    private final RigContext context;
    private final Swtpm swtpm;
    private final TpmDevice tpm;
    private final Optional<String> configuredRegistrationId;
    private final Set<TpmDefect> defects;
    private final SimulatorSession session;
    private Duration skew = Duration.ZERO;
    private boolean wrongHubKey;

    TpmSimulator(RigContext context, Swtpm swtpm, TpmDevice tpm, Optional<String> registrationId,
                 Set<TpmDefect> defects) {
        this.defects = Set.copyOf(defects);
        this.context = context;
        this.session = new SimulatorSession(context);
        this.swtpm = swtpm;
        this.tpm = tpm;
        this.configuredRegistrationId = registrationId;
    }

    @Override
    public String kind() {
        return "tpm-simulator";
    }

    @Override
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("device", "tpm-simulator");
        labels.put("tpm", "swtpm (TPM 2.0)");
        if (!defects.isEmpty()) {
            labels.put("defects", defects.stream().map(TpmDefect::configName).sorted().toList().toString());
        }
        return labels;
    }

    @Override
    public <T> Optional<T> facet(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public byte[] endorsementKey() throws DeviceException {
        return tpm.endorsementKey();
    }

    @Override
    public String registrationId() throws DeviceException {
        if (configuredRegistrationId.isPresent()) {
            return configuredRegistrationId.get();
        }
        if (defects.contains(TpmDefect.REGISTRATION_ID_WITHOUT_SIZE_PREFIX)) { // DEFECT HOOK
            byte[] ek = tpm.endorsementKey();
            return TpmRegistrationIds.fromEndorsementKey(java.util.Arrays.copyOfRange(ek, 2, ek.length));
        }
        return tpm.registrationId();
    }

    @Override
    public synchronized void clockSkew(Duration skew) {
        this.skew = skew;
    }

    @Override
    public synchronized void signHubSasWithWrongKey(boolean wrong) {
        this.wrongHubKey = wrong;
    }

    @Override
    public synchronized void boot() throws DeviceException {
        session.stop();
        String regId = registrationId();
        TpmAuth auth = new TpmAuth(tpm, regId, Clock.offset(Clock.systemUTC(), skew), new TpmAuth.AuthFaults(
                defects.contains(TpmDefect.WRONG_SAS_KEY), wrongHubKey, defects.contains(TpmDefect.NO_HUB_KEY_ACTIVATION)));
        FirstBoot.Behaviour behaviour = FirstBoot.Behaviour.conforming();
        if (defects.contains(TpmDefect.ENDLESS_ACTIVATION_RETRIES)) {
            behaviour = behaviour.withMaxActivationAttempts(TpmDefect.ENDLESS);
        }
        if (defects.contains(TpmDefect.IGNORES_RETRY_AFTER)) {
            behaviour = behaviour.with(FirstBoot.Deviation.IGNORES_RETRY_AFTER);
        }
        if (defects.contains(TpmDefect.SLOW_ACTIVATION)) {
            behaviour = behaviour.withActivationDelay(TpmDefect.SLOW_ACTIVATION_DELAY);
        }
        FirstBoot.Behaviour chosen = behaviour;
        session.print("TPM simulator booting, registration id " + regId);
        session.start("tpm-simulator-boot", pause -> new FirstBoot(context.endpoints(), context.timeline(),
                FirstBoot.Progress.consoleLines(session::print), auth, chosen, pause));
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
        skew = Duration.ZERO;
        wrongHubKey = false;
    }

    @Override
    public synchronized void close() {
        session.stop();
        try {
            tpm.close();
        } catch (DeviceException ignored) {
            // the simulator is stopped next anyway
        }
        swtpm.close();
    }
}
