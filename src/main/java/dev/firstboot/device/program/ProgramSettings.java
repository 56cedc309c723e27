package dev.firstboot.device.program;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A program device as its rig file declares it (fields, defaults and checks live in {@link ProgramDeviceProvider}).
 *
 * @param argv                 the command; a rig's single string runs as {@code /bin/sh -c} it
 * @param directory            where the program runs (the rig file's folder unless told)
 * @param attestation          what the harness gives it to prove who it is
 * @param transport            how it should reach DPS: https or mqtt ({@code FIRSTBOOT_TRANSPORT})
 * @param outputLimit          the most console lines one boot may print before it counts as a flood
 * @param environment          the rig's extra variables (a defect switch for a reference program, say)
 * @param certificate          an X.509 device that brings its own certificate: the leaf, enrolled as is
 * @param privateKey           that device's private key, read only to know it as a secret: the program is never
 *                             given it by the harness
 * @param symmetricKeyVariable a symmetric-key device that brings its own key: the harness's environment variable
 *                             that holds it (base64), so the key never sits in the rig file
 * @param tpmProtocol          a tpm device: what the harness serves in front of the scenario's swtpm
 */
record ProgramSettings(List<String> argv, Path directory, Attestation attestation, String transport,
                       String registrationId, Duration startDeadline, Duration stopDeadline, Milestones milestones,
                       int outputLimit, Map<String, String> environment, Optional<Path> certificate,
                       Optional<Path> privateKey, Optional<String> symmetricKeyVariable, TpmProtocol tpmProtocol) {
    ProgramSettings {
        argv = List.copyOf(argv);
        environment = Map.copyOf(environment);
    }

    /** How the program proves who it is, as {@code FIRSTBOOT_ATTESTATION} names it. */
    enum Attestation {
        SYMMETRIC_KEY("symmetric-key"), X509("x509"), TPM("tpm");

        final String configName;

        Attestation(String configName) {
            this.configName = configName;
        }
    }

    /**
     * How a tpm device's program reaches its TPM: swtpm's own ports only, or also the Microsoft TPM simulator's
     * protocol on 127.0.0.1:2321 and 2322 (for stacks that dial only those, like the Azure IoT C SDK's).
     */
    enum TpmProtocol {
        SWTPM("swtpm"), MSSIM("mssim");

        final String configName;

        TpmProtocol(String configName) {
            this.configName = configName;
        }
    }

    /** True when the device brings its own identity and the harness only enrolls it. */
    boolean ownIdentity() {
        return certificate.isPresent() || symmetricKeyVariable.isPresent();
    }
}
