package dev.firstboot.device.tpm;

import dev.firstboot.rig.DeviceException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A swtpm started in a folder of its own and connected, with the EK and SRK that DPS's TPM attestation needs persisted
 * in it (created from the standard templates on first use), as every TPM device here begins: the tpm-simulator
 * device keeps the connection, a device program's TPM hands the swtpm on to the program.
 *
 * @param endorsementKey the EK's marshalled TPM2B_PUBLIC, what DPS enrolls
 */
public record ProvisionedSwtpm(Swtpm swtpm, TpmDevice tpm, byte[] endorsementKey) {
    public ProvisionedSwtpm {
        endorsementKey = endorsementKey.clone();
    }

    /** Starts swtpm in {@code dir} (at most {@code deadline}) and provisions it; on failure nothing is left running. */
    public static ProvisionedSwtpm start(Path dir, Duration deadline) throws IOException, DeviceException {
        Swtpm swtpm = Swtpm.start(dir, deadline);
        TpmDevice tpm = null;
        try {
            tpm = TpmDevice.connect(swtpm);
            byte[] ek = tpm.endorsementKey();
            tpm.storageRootKey();
            return new ProvisionedSwtpm(swtpm, tpm, ek);
        } catch (DeviceException | RuntimeException e) {
            if (tpm != null) {
                closeQuietly(tpm);
            }
            swtpm.close();
            throw e;
        }
    }

    @Override
    public byte[] endorsementKey() {
        return endorsementKey.clone();
    }

    /**
     * Closes the harness's own connection: swtpm serves one client at a time on its data port and one on its control
     * port, so a device that dials them itself needs both free.
     */
    public void disconnect() {
        closeQuietly(tpm);
    }

    private static void closeQuietly(TpmDevice tpm) {
        try {
            tpm.close();
        } catch (DeviceException ignored) {
            // the connection is gone either way
        }
    }
}
