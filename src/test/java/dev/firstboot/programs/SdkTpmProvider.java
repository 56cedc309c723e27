package dev.firstboot.programs;

import com.microsoft.azure.sdk.iot.provisioning.security.SecurityProviderTpm;
import com.microsoft.azure.sdk.iot.provisioning.security.exceptions.SecurityProviderException;
import dev.firstboot.device.tpm.TpmDevice;
import dev.firstboot.rig.DeviceException;

import javax.net.ssl.SSLContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The Azure IoT Java SDK's TPM security provider on a TPM 2.0 reached through our {@link TpmDevice} (swtpm over TCP):
 * the SDK drives DPS's TPM exchange and calls this for the EK and SRK, to import each activation blob and to sign its
 * SAS tokens. (The SDK's own TPM providers reach only /dev/tpm0 or the Microsoft simulator's fixed ports.) The SDK
 * derives the registration id from the EK itself unless one is given.
 */
public final class SdkTpmProvider extends SecurityProviderTpm {
    private final TpmDevice tpm;
    private final SSLContext ssl;
    private final Optional<String> registrationId;
    private final Consumer<String> onCall;
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private int failedActivations;

    public SdkTpmProvider(TpmDevice tpm, SSLContext ssl) {
        this(tpm, ssl, Optional.empty(), call -> { });
    }

    /**
     * @param registrationId the id to register as instead of the one the SDK derives from the EK
     * @param onCall         hears "activate" and "sign" as the SDK asks for them, after each one succeeded
     */
    public SdkTpmProvider(TpmDevice tpm, SSLContext ssl, Optional<String> registrationId, Consumer<String> onCall) {
        this.tpm = tpm;
        this.ssl = ssl;
        this.registrationId = registrationId;
        this.onCall = onCall;
    }

    /** The SDK's calls so far, in order: "activate", "sign". */
    public List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** How many activation blobs the TPM refused. */
    public synchronized int failedActivations() {
        return failedActivations;
    }

    @Override
    public String getRegistrationId() throws SecurityProviderException {
        return registrationId.isPresent() ? registrationId.get() : super.getRegistrationId();
    }

    @Override
    public byte[] activateIdentityKey(byte[] key) throws SecurityProviderException {
        calls.add("activate");
        try {
            tpm.activate(key);
        } catch (DeviceException e) {
            synchronized (this) {
                failedActivations++;
            }
            throw new SecurityProviderException("TPM activation of the blob from DPS failed: " + e.getMessage(), e);
        }
        onCall.accept("activate");
        return key;
    }

    @Override
    public byte[] getEndorsementKey() throws SecurityProviderException {
        try {
            return tpm.endorsementKey();
        } catch (DeviceException e) {
            throw new SecurityProviderException(e.getMessage(), e);
        }
    }

    @Override
    public byte[] getStorageRootKey() throws SecurityProviderException {
        try {
            return tpm.storageRootKey();
        } catch (DeviceException e) {
            throw new SecurityProviderException(e.getMessage(), e);
        }
    }

    @Override
    public byte[] signWithIdentity(byte[] data) throws SecurityProviderException {
        calls.add("sign");
        try {
            byte[] signature = tpm.hmac(data);
            onCall.accept("sign");
            return signature;
        } catch (DeviceException e) {
            throw new SecurityProviderException("the TPM could not sign with its identity key: " + e.getMessage(), e);
        }
    }

    @Override
    public SSLContext getSSLContext() {
        return ssl;
    }

    @Override
    public String toString() {
        return "SdkTpmProvider[" + tpm + "]";
    }
}
