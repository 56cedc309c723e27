package dev.firstboot.rig;

/**
 * A device whose identity lives in a TPM 2.0: DPS knows it by its endorsement key, challenges it with a credential
 * only that TPM can activate, and it signs its SAS tokens inside the TPM.
 */
public interface TpmFacet {
    /** The EK's marshalled TPM2B_PUBLIC, as the TPM reports it. */
    byte[] endorsementKey() throws DeviceException;

    /** The registration id the device will register with (by default derived from its EK). */
    String registrationId() throws DeviceException;
}
