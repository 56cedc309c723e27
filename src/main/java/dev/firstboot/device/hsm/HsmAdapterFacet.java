package dev.firstboot.device.hsm;

import java.util.Optional;

/** A device whose identity is a vendor's HSM adapter library: the steps call the adapter through this. */
public interface HsmAdapterFacet {
    HsmAdapter adapter();

    /** The registration id the lab said the adapter must produce ({@code --registration-id}), if any. */
    Optional<String> expectedRegistrationId();

    /** Reads the adapter's identity through a fresh handle, as the SDK does at the start of a boot. */
    AdapterIdentity identity() throws AdapterFailure, AdapterCheckException;
}
