package dev.firstboot.device.program;

import dev.firstboot.device.tpm.MssimBridge;
import dev.firstboot.device.tpm.ProvisionedSwtpm;
import dev.firstboot.identity.tpm.TpmRegistrationIds;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.TpmFacet;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The TPM of a program device ({@code attestation: tpm}) for one scenario: a swtpm started and provisioned with its
 * EK and SRK at the scenario's first use (the EK is what the scenario enrolls), handed to the program on swtpm's own
 * ports, and with {@code tpm-protocol: mssim} also behind the Microsoft TPM simulator's ports ({@link MssimBridge}).
 * The scenario's end stops it, so every scenario starts from a fresh TPM.
 */
final class ProgramTpm implements TpmFacet {
    static final Duration START_DEADLINE = Duration.ofSeconds(10);

    private final RigContext context;
    private final Path files;
    private final ProgramSettings.TpmProtocol protocol;
    private Optional<ProvisionedSwtpm> tpm = Optional.empty();
    private Optional<MssimBridge> bridge = Optional.empty();
    private int started;

    ProgramTpm(RigContext context, Path files, ProgramSettings.TpmProtocol protocol) {
        this.context = context;
        this.files = files;
        this.protocol = protocol;
    }

    @Override
    public synchronized byte[] endorsementKey() throws DeviceException {
        return started().endorsementKey();
    }

    /** The id the program registers as: the one DPS derives from the EK, as the SDKs do. */
    @Override
    public synchronized String registrationId() throws DeviceException {
        return TpmRegistrationIds.fromEndorsementKey(endorsementKey());
    }

    /** Where the program finds its TPM: swtpm's own data and control ports. */
    synchronized Map<String, String> variables() throws DeviceException {
        ProvisionedSwtpm t = started();
        return Map.of(ProgramVariables.TPM_HOST, t.swtpm().host(),
                ProgramVariables.TPM_PORT, String.valueOf(t.swtpm().port()),
                ProgramVariables.TPM_CTRL_PORT, String.valueOf(t.swtpm().controlPort()));
    }

    private ProvisionedSwtpm started() throws DeviceException {
        if (tpm.isPresent()) {
            return tpm.get();
        }
        Path dir = files.resolve("tpm-" + ++started);
        ProvisionedSwtpm t;
        try {
            t = ProvisionedSwtpm.start(dir, START_DEADLINE);
        } catch (IOException e) {
            throw new DeviceException("the TPM of the program device of rig " + context.rigName() + " could not start: "
                    + e.getMessage(), e);
        }
        t.disconnect(); // swtpm serves one client per port: the program's
        if (protocol == ProgramSettings.TpmProtocol.MSSIM) {
            try {
                bridge = Optional.of(MssimBridge.open(t.swtpm(), note -> context.timeline().record(Origin.HARNESS,
                        EventKind.HARNESS_NOTE, "tpm", Map.of("note", note))));
            } catch (IOException e) {
                t.swtpm().close();
                throw new DeviceException("rig " + context.rigName() + " (tpm-protocol: mssim): " + e.getMessage(), e);
            }
        }
        tpm = Optional.of(t);
        return t;
    }

    /** The scenario is over: the bridge and swtpm stop; the next scenario gets a new TPM. */
    synchronized void stop() {
        bridge.ifPresent(MssimBridge::close);
        bridge = Optional.empty();
        tpm.ifPresent(t -> t.swtpm().close());
        tpm = Optional.empty();
    }
}
