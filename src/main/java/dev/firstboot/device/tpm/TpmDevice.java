package dev.firstboot.device.tpm;

import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.tpm.ActivationBlob;
import dev.firstboot.identity.tpm.TpmRegistrationIds;
import dev.firstboot.rig.DeviceException;
import tss.Tpm;
import tss.TpmException;
import tss.TpmFactory;
import tss.tpm.TPM2B_PRIVATE;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ID_OBJECT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_PCR_SELECTION;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMS_SENSITIVE_CREATE;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_HANDLE;
import tss.tpm.TPM_RC;
import tss.tpm.TPM_RH;
import tss.tpm.TPM_SE;

import java.io.IOException;
import java.util.HexFormat;

/**
 * The device side of DPS TPM attestation on a real TPM 2.0 reached over TCP (swtpm), as the Azure IoT C SDK's TPM
 * adapter does it (dps.md §3.1, §3.3): EK at 0x81010001, SRK at 0x81000001, the imported HMAC identity key at
 * 0x81000100.
 */
public final class TpmDevice implements AutoCloseable {
    public static final int EK_HANDLE = 0x81010001;
    public static final int SRK_HANDLE = 0x81000001;
    public static final int ID_KEY_HANDLE = 0x81000100;
    /** MAX_DIGEST_BUFFER: the most TPM2_HMAC takes in one command. */
    static final int MAX_HMAC_DATA = 1024;
    /** The standard EK policy: PolicySecret(TPM_RH_ENDORSEMENT). */
    private static final byte[] EK_POLICY = HexFormat.of()
            .parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");

    private final Tpm tpm;
    private final String where;

    private TpmDevice(Tpm tpm, String where) {
        this.tpm = tpm;
        this.where = where;
    }

    /** Connects to a TPM simulator speaking the MS-simulator TCP framing on {@code port} (control on port + 1). */
    public static TpmDevice connect(String host, int port) throws DeviceException {
        String where = "TPM at " + host + ":" + port;
        Tpm tpm;
        try {
            tpm = TpmFactory.remoteTpm(host, port);
        } catch (RuntimeException e) {
            throw new DeviceException("cannot connect to the " + where + ": " + e.getMessage()
                    + "; is swtpm running with its control port on " + (port + 1) + "?", e);
        }
        if (tpm == null) {
            throw new DeviceException("cannot connect to the " + where + "; is swtpm running with its control port"
                    + " on " + (port + 1) + "?");
        }
        return new TpmDevice(tpm, where);
    }

    public static TpmDevice connect(Swtpm swtpm) throws DeviceException {
        return connect(swtpm.host(), swtpm.port());
    }

    /** The EK's marshalled TPM2B_PUBLIC; creates and persists the EK from the standard template when absent. */
    public synchronized byte[] endorsementKey() throws DeviceException {
        return persistedPrimary("EK", TPM_RH.ENDORSEMENT, EK_HANDLE, ekTemplate());
    }

    /** The SRK's marshalled TPM2B_PUBLIC; creates and persists the SRK from the standard template when absent. */
    public synchronized byte[] storageRootKey() throws DeviceException {
        return persistedPrimary("SRK", TPM_RH.OWNER, SRK_HANDLE, srkTemplate());
    }

    /** The default DPS registration id derived from this TPM's EK. */
    public String registrationId() throws DeviceException {
        return TpmRegistrationIds.fromEndorsementKey(endorsementKey());
    }

    /**
     * Imports a DPS activation blob: ActivateCredential with the EK (PolicySecret on the endorsement hierarchy) and
     * the SRK recovers the inner wrapper key, Import under the SRK and Load give the HMAC identity key, which then
     * replaces whatever was persisted at 0x81000100.
     */
    public synchronized void activate(byte[] authenticationKey) throws DeviceException {
        ActivationBlob blob;
        try {
            blob = ActivationBlob.parse(authenticationKey);
        } catch (IdentityException e) {
            throw new DeviceException("the activation blob is malformed: " + e.getMessage());
        }
        endorsementKey();
        storageRootKey();
        TPM_HANDLE ek = new TPM_HANDLE(EK_HANDLE);
        TPM_HANDLE srk = new TPM_HANDLE(SRK_HANDLE);

        byte[] innerKey;
        TPM_HANDLE session = command("TPM2_StartAuthSession", () -> tpm.StartAuthSession(TPM_HANDLE.NULL,
                TPM_HANDLE.NULL, new byte[16], new byte[0], TPM_SE.POLICY, TPMT_SYM_DEF.nullObject(),
                TPM_ALG_ID.SHA256).handle);
        try {
            command("TPM2_PolicySecret(TPM_RH_ENDORSEMENT)", () -> tpm.PolicySecret(
                    TPM_HANDLE.from(TPM_RH.ENDORSEMENT), session, new byte[0], new byte[0], new byte[0], 0));
            TPMS_ID_OBJECT credential = new TPMS_ID_OBJECT(blob.credentialIntegrityHmac(),
                    blob.credentialEncIdentity());
            innerKey = command("TPM2_ActivateCredential", () -> tpm._withSessions(TPM_HANDLE.pwSession(new byte[0]),
                    session).ActivateCredential(srk, ek, credential, blob.secret()));
        } catch (IdentityException e) {
            throw new DeviceException("the activation blob's credential is malformed: " + e.getMessage());
        } finally {
            flush(session);
        }
        TPMT_PUBLIC idPublic;
        try {
            idPublic = TPMT_PUBLIC.fromTpm(blob.idKeyPublic());
        } catch (RuntimeException e) {
            throw new DeviceException("the activation blob's idKeyPub is not a TPMT_PUBLIC: " + e.getMessage(), e);
        }
        TPM2B_PRIVATE imported = command("TPM2_Import", () -> tpm.Import(srk, innerKey, idPublic,
                new TPM2B_PRIVATE(blob.idKeyDuplicate()), blob.encryptedSeed(),
                new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, innerKey.length * 8, TPM_ALG_ID.CFB)));
        TPM_HANDLE loaded = command("TPM2_Load", () -> tpm.Load(srk, imported, idPublic));
        try {
            TPM_HANDLE persistent = new TPM_HANDLE(ID_KEY_HANDLE);
            if (exists(persistent)) {
                command("TPM2_EvictControl (remove the old identity key)", () -> {
                    tpm.EvictControl(TPM_HANDLE.from(TPM_RH.OWNER), persistent, persistent);
                    return null;
                });
            }
            command("TPM2_EvictControl (persist the identity key)", () -> {
                tpm.EvictControl(TPM_HANDLE.from(TPM_RH.OWNER), loaded, persistent);
                return null;
            });
        } finally {
            flush(loaded);
        }
    }

    /** HMAC-SHA256 of {@code data} with the identity key persisted by {@link #activate}. */
    public synchronized byte[] hmac(byte[] data) throws DeviceException {
        if (data.length == 0 || data.length > MAX_HMAC_DATA) {
            throw new DeviceException("TPM2_HMAC takes 1 to " + MAX_HMAC_DATA + " bytes in one command, not "
                    + data.length);
        }
        TPM_HANDLE key = new TPM_HANDLE(ID_KEY_HANDLE);
        if (!exists(key)) {
            throw new DeviceException(String.format("the %s holds no identity key at 0x%08x; activate an"
                    + " authenticationKey blob first", where, ID_KEY_HANDLE));
        }
        return command("TPM2_HMAC", () -> tpm.HMAC(key, data, TPM_ALG_ID.SHA256));
    }

    @Override
    public synchronized void close() throws DeviceException {
        try {
            tpm.close();
        } catch (IOException e) {
            throw new DeviceException("closing the connection to the " + where + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "TpmDevice[" + where + "]";
    }

    private byte[] persistedPrimary(String role, TPM_RH hierarchy, int handle, TPMT_PUBLIC template)
            throws DeviceException {
        TPM_HANDLE persistent = new TPM_HANDLE(handle);
        TPMT_PUBLIC pub = readPublic(persistent);
        if (pub == null) {
            TPM_HANDLE transientKey = command("TPM2_CreatePrimary (" + role + ")", () -> tpm.CreatePrimary(
                    TPM_HANDLE.from(hierarchy), new TPMS_SENSITIVE_CREATE(), template, new byte[0],
                    new TPMS_PCR_SELECTION[0]).handle);
            try {
                command(String.format("TPM2_EvictControl (persist the %s at 0x%08x)", role, handle), () -> {
                    tpm.EvictControl(TPM_HANDLE.from(TPM_RH.OWNER), transientKey, persistent);
                    return null;
                });
            } finally {
                flush(transientKey);
            }
            pub = readPublic(persistent);
            if (pub == null) {
                throw new DeviceException(String.format("the %s was persisted at 0x%08x but cannot be read back from"
                        + " the %s", role, handle, where));
            }
        }
        byte[] tpmt = pub.toTpm();
        byte[] tpm2b = new byte[tpmt.length + 2];
        tpm2b[0] = (byte) (tpmt.length >>> 8);
        tpm2b[1] = (byte) tpmt.length;
        System.arraycopy(tpmt, 0, tpm2b, 2, tpmt.length);
        return tpm2b;
    }

    private TPMT_PUBLIC readPublic(TPM_HANDLE handle) throws DeviceException {
        try {
            var response = tpm._allowErrors().ReadPublic(handle);
            return tpm._getLastResponseCode() == TPM_RC.SUCCESS ? response.outPublic : null;
        } catch (TpmException e) {
            throw failure("TPM2_ReadPublic", e);
        }
    }

    private boolean exists(TPM_HANDLE handle) throws DeviceException {
        return readPublic(handle) != null;
    }

    private void flush(TPM_HANDLE handle) {
        try {
            tpm._allowErrors().FlushContext(handle);
        } catch (TpmException ignored) {
            // the handle is gone already; nothing to release
        }
    }

    private interface TpmCall<T> {
        T run() throws IdentityException;
    }

    private <T> T command(String name, TpmCall<T> call) throws DeviceException {
        try {
            return call.run();
        } catch (TpmException e) {
            throw failure(name, e);
        } catch (IdentityException e) {
            throw new DeviceException(name + " could not be prepared: " + e.getMessage());
        }
    }

    private DeviceException failure(String name, TpmException e) {
        String rc = e.ResponseCode != null ? String.format("TPM_RC_%s (0x%03x)",
                e.ResponseCode.toString().replaceAll("[{}]", ""), e.ResponseCode.toInt())
                : "no response code";
        return new DeviceException(name + " failed on the " + where + " with " + rc + ": " + e.getMessage(), e);
    }

    static TPMT_PUBLIC ekTemplate() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt, TPMA_OBJECT.fixedTPM,
                        TPMA_OBJECT.fixedParent, TPMA_OBJECT.adminWithPolicy, TPMA_OBJECT.sensitiveDataOrigin),
                EK_POLICY, rsaStorageParameters(), new TPM2B_PUBLIC_KEY_RSA(new byte[256]));
    }

    static TPMT_PUBLIC srkTemplate() {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256,
                new TPMA_OBJECT(TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt, TPMA_OBJECT.fixedTPM,
                        TPMA_OBJECT.fixedParent, TPMA_OBJECT.noDA, TPMA_OBJECT.userWithAuth,
                        TPMA_OBJECT.sensitiveDataOrigin),
                new byte[0], rsaStorageParameters(), new TPM2B_PUBLIC_KEY_RSA(new byte[256]));
    }

    private static TPMS_RSA_PARMS rsaStorageParameters() {
        return new TPMS_RSA_PARMS(new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB),
                new TPMS_NULL_ASYM_SCHEME(), 2048, 0);
    }
}
