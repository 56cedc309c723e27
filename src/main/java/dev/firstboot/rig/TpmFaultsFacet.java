package dev.firstboot.rig;

import java.time.Duration;

/**
 * A TPM device the harness can make misbehave for one scenario ({@code @tpm-faults}): a clock that runs off, a hub
 * SAS signed with the wrong key. A device whose SAS tokens are made by software of its own (a device program on an
 * SDK) cannot be told so, and those scenarios do not apply to it.
 */
public interface TpmFaultsFacet {
    /**
     * Sets the device's clock off by {@code skew} for this scenario (negative: behind). A device without a real-time
     * clock signs SAS tokens that may already have expired.
     */
    void clockSkew(Duration skew);

    /** For this scenario, the device signs its hub SAS with a key that is not the one DPS issued. */
    void signHubSasWithWrongKey(boolean wrong);
}
