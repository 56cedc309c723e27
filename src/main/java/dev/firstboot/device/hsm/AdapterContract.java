package dev.firstboot.device.hsm;

import dev.firstboot.identity.RegistrationId;
import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.tpm.ActivationBlob;
import dev.firstboot.identity.tpm.TpmPublic;
import dev.firstboot.identity.tpm.TpmRegistrationIds;
import dev.firstboot.pki.Certificates;
import dev.firstboot.secret.Redactor;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The interface-level checks of hsm-adapter.md §7, each a method that returns when the adapter conforms and throws
 * {@link AdapterCheckException} (it answered wrongly) or {@link AdapterFailure} (it crashed, exited or hung) with
 * what was expected and seen. Values the adapter returns never appear in a message.
 */
public final class AdapterContract {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final HsmAdapter adapter;
    private final Redactor redactor;

    public AdapterContract(HsmAdapter adapter, Redactor redactor) {
        this.adapter = adapter;
        this.redactor = redactor;
    }

    private AdapterType type() {
        return adapter.type();
    }

    // ---- all adapters ----

    /** The symbols of §2.3 for this type are exported and its table is complete (a NULL set_symm_key_info is fine). */
    public void exportsItsInterface() throws AdapterFailure, AdapterCheckException {
        var symbols = adapter.symbols();
        List<String> missing = new ArrayList<>();
        List<String> needed = new ArrayList<>(List.of(type().interfaceGetter()));
        if (type() != AdapterType.SYMMETRIC_KEY) {
            type().init().ifPresent(needed::add);
            type().deinit().ifPresent(needed::add);
        }
        for (String s : needed) {
            if (!symbols.getOrDefault(s, false)) {
                missing.add(s);
            }
        }
        if (!missing.isEmpty()) {
            throw new AdapterCheckException("the library does not export " + missing + "; a " + type().configName()
                    + " adapter must export them with C linkage (extern \"C\" in C++, no -fvisibility=hidden on them)");
        }
        adapter.init();
        Optional<String> fields = adapter.interfaceFields();
        if (fields.isEmpty()) {
            throw new AdapterCheckException(type().interfaceGetter() + "() returned NULL; it must return its function "
                    + "table");
        }
        List<String> nulls = new ArrayList<>();
        for (int i = 0; i < fields.get().length(); i++) {
            boolean tolerated = type() == AdapterType.SYMMETRIC_KEY && i == 4;
            if (fields.get().charAt(i) == '0' && !tolerated) {
                nulls.add(type().fields().get(i));
            }
        }
        if (!nulls.isEmpty()) {
            throw new AdapterCheckException(type().interfaceGetter() + "() returned a table with NULL in " + nulls
                    + "; the SDK calls every one of them (fields in hsm_client_data.h order)");
        }
    }

    /** init returns 0 and deinit returns, {@code times} times in a row. */
    public void initialisesAndDeinitialises(int times) throws AdapterFailure, AdapterCheckException {
        for (int i = 1; i <= times; i++) {
            Optional<Integer> rc = adapter.init();
            if (rc.isPresent() && rc.get() != 0) {
                throw new AdapterCheckException(type().init().orElseThrow() + "() returned " + rc.get() + " on call "
                        + i + "; expected 0");
            }
            adapter.deinit();
        }
    }

    /**
     * Creates and destroys a handle {@code rounds} times after a warm-up, and fails if the host's VmRSS grew more
     * than {@code limitKib}.
     *
     * @return the growth in KiB
     */
    public long createDestroyWithoutLeaking(int rounds, long limitKib) throws AdapterFailure, AdapterCheckException {
        adapter.init();
        adapter.createDestroyLoop(Math.max(10, rounds / 10));
        long before = adapter.rssKib();
        int nulls = adapter.createDestroyLoop(rounds);
        long after = adapter.rssKib();
        if (nulls > 0) {
            throw new AdapterCheckException(type().fields().get(0) + "() returned NULL in " + nulls + " of " + rounds
                    + " rounds; expected a handle every time");
        }
        long growth = after - before;
        if (growth > limitKib) {
            throw new AdapterCheckException("the adapter host's resident memory grew by " + growth + " KiB over "
                    + rounds + " create/destroy rounds (limit " + limitKib + " KiB), about " + (growth * 1024 / rounds)
                    + " bytes per handle: " + type().fields().get(1) + " does not free what "
                    + type().fields().get(0) + " allocated");
        }
        return growth;
    }

    /** Every function fails (NULL or non-zero) on a NULL handle, and destroy(NULL) returns. */
    public void refusesNullHandles() throws AdapterFailure, AdapterCheckException {
        adapter.init();
        HsmAdapter.Handle nul = HsmAdapter.Handle.NULL;
        List<String> accepted = new ArrayList<>();
        switch (type()) {
            case X509 -> {
                for (String f : List.of("hsm_client_get_cert", "hsm_client_get_key", "hsm_client_get_common_name")) {
                    if (adapter.string(f, nul).isPresent()) {
                        accepted.add(f + " returned a string");
                    }
                }
            }
            case SYMMETRIC_KEY -> {
                for (String f : List.of("hsm_client_get_symm_key", "hsm_client_get_registration_name")) {
                    if (adapter.string(f, nul).isPresent()) {
                        accepted.add(f + " returned a string");
                    }
                }
                if (adapter.interfaceFields().orElse("").endsWith("1")) {
                    int rc = adapter.setSymmetricKeyInfo(nul, "reg", "a2V5");
                    if (rc == 0) {
                        accepted.add("hsm_client_set_symm_key_info returned 0");
                    }
                }
            }
            case TPM -> {
                for (String f : List.of("hsm_client_get_ek", "hsm_client_get_srk")) {
                    HsmAdapter.Output o = adapter.output(f, nul, false, false);
                    if (o.returned() == 0) {
                        accepted.add(f + " returned 0");
                    }
                }
                byte[] data = "data".getBytes(StandardCharsets.US_ASCII);
                if (adapter.sign(nul, data, data.length, false, false).returned() == 0) {
                    accepted.add("hsm_client_sign_with_identity returned 0");
                }
                if (adapter.activate(nul, data, data.length) == 0) {
                    accepted.add("hsm_client_activate_identity_key returned 0");
                }
            }
        }
        adapter.destroy(nul);
        if (!accepted.isEmpty()) {
            throw new AdapterCheckException("with a NULL handle " + accepted + "; every function must fail (NULL or "
                    + "non-zero) on a NULL handle");
        }
    }

    // ---- X.509 ----

    /** get_cert is PEM that parses, leaf first. */
    public List<X509Certificate> certificateIsPemLeafFirst() throws AdapterFailure, AdapterCheckException {
        List<X509Certificate> chain = x509().chain();
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!chain.get(i).getIssuerX500Principal().equals(chain.get(i + 1).getSubjectX500Principal())) {
                throw new AdapterCheckException("hsm_client_get_cert returned " + chain.size() + " certificates, but "
                        + "certificate " + (i + 1) + " (" + chain.get(i).getSubjectX500Principal() + ") is not issued by"
                        + " certificate " + (i + 2) + " (" + chain.get(i + 1).getSubjectX500Principal() + "); the "
                        + "chain must be leaf first, each followed by its issuer");
            }
        }
        return chain;
    }

    /** get_key signs what the leaf's public key verifies. */
    public void keyMatchesLeaf() throws AdapterFailure, AdapterCheckException {
        AdapterIdentity.X509 x = x509();
        byte[] challenge = new byte[32];
        RANDOM.nextBytes(challenge);
        PrivateKey key = x.key();
        String alg = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(x.leaf().getPublicKey());
            v.update(challenge);
            if (v.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the leaf's: reported below
        }
        throw new AdapterCheckException("the private key from hsm_client_get_key (" + key.getAlgorithm() + ") does not "
                + "match the public key of the leaf certificate " + x.leaf().getSubjectX500Principal() + ": a signature "
                + "made with it does not verify with the leaf. TLS would fail; return the leaf's own key");
    }

    /** get_common_name equals the leaf's subject CN. */
    public void commonNameIsTheLeafs() throws AdapterFailure, AdapterCheckException {
        AdapterIdentity.X509 x = x509();
        Optional<String> cn = Certificates.commonName(x.leaf());
        if (cn.isEmpty() || !cn.get().equals(x.registrationId())) {
            throw new AdapterCheckException("hsm_client_get_common_name returned \"" + x.registrationId()
                    + "\", but the leaf certificate's subject CN is " + cn.map(c -> "\"" + c + "\"").orElse("missing")
                    + "; DPS matches the registration id against the CN, so they must be equal");
        }
    }

    /** The same certificate, key and CN from {@code calls} calls on one handle and from a second handle. */
    public void answersTheSameEveryTime(int calls) throws AdapterFailure, AdapterCheckException {
        adapter.init();
        List<String> fns = switch (type()) {
            case X509 -> List.of("hsm_client_get_cert", "hsm_client_get_key", "hsm_client_get_common_name");
            case SYMMETRIC_KEY -> List.of("hsm_client_get_symm_key", "hsm_client_get_registration_name");
            case TPM -> List.of();
        };
        for (String f : fns) {
            Optional<byte[]> first = Optional.empty();
            for (int handle = 0; handle < 2; handle++) {
                HsmAdapter.Handle h = adapter.create();
                try {
                    for (int i = 0; i < calls; i++) {
                        Optional<String> v = adapter.string(f, h);
                        if (f.equals("hsm_client_get_key") || f.equals("hsm_client_get_symm_key")) {
                            v.ifPresent(redactor::register);
                        }
                        byte[] digest = sha256(v.orElse("\u0000NULL"));
                        if (first.isEmpty()) {
                            first = Optional.of(digest);
                        } else if (!Arrays.equals(first.get(), digest)) {
                            throw new AdapterCheckException(f + " returned a different value on call " + (i + 1)
                                    + " of handle " + (handle + 1) + " than on the first call; the SDK may call it more "
                                    + "than once and expects the same answer");
                        }
                    }
                } finally {
                    adapter.destroy(h);
                }
            }
        }
    }

    // ---- TPM ----

    /** get_ek / get_srk return a TPM2B_PUBLIC whose size prefix equals the rest; empty-handed len on failures. */
    public TpmPublic keyIsWellFormed(String function) throws AdapterFailure, AdapterCheckException {
        adapter.init();
        HsmAdapter.Handle h = adapter.create();
        try {
            HsmAdapter.Output o = adapter.output(function, h, false, false);
            if (o.returned() != 0 || o.data().isEmpty()) {
                throw new AdapterCheckException(function + " returned " + o.returned() + (o.data().isEmpty()
                        ? " with no buffer" : "") + " on a valid handle; expected 0 and a buffer");
            }
            byte[] b = o.data().get();
            if (o.length() != b.length) {
                throw new AdapterCheckException(function + " set *key_len to " + o.length() + " for a buffer of "
                        + b.length + " bytes");
            }
            try {
                return TpmPublic.parse(b);
            } catch (IdentityException e) {
                throw new AdapterCheckException(function + " returned " + b.length + " bytes that are not a "
                        + "well-formed TPM2B_PUBLIC: " + e.getMessage());
            }
        } finally {
            adapter.destroy(h);
        }
    }

    /** The registration id the SDK derives from the EK: 52 chars of [a-z2-7]. */
    public String registrationIdFromEndorsementKey(Optional<String> expected) throws AdapterFailure, AdapterCheckException {
        String id = TpmRegistrationIds.fromEndorsementKey(keyIsWellFormed("hsm_client_get_ek").tpm2bPublic());
        if (!id.matches("[a-z2-7]{52}")) {
            throw new AdapterCheckException("the registration id derived from the EK is \"" + id + "\"; expected 52 "
                    + "characters of [a-z2-7]");
        }
        if (expected.isPresent() && !expected.get().equals(id)) {
            throw new AdapterCheckException("the registration id derived from the adapter's EK is " + id + ", but the "
                    + "lab expects " + expected.get() + " (--registration-id): the adapter returns another EK");
        }
        return id;
    }

    /** Every TPM output function fails on a NULL output pointer and leaves *len alone when it fails. */
    public void refusesNullOutputs() throws AdapterFailure, AdapterCheckException {
        adapter.init();
        HsmAdapter.Handle h = adapter.create();
        List<String> wrong = new ArrayList<>();
        byte[] data = "data".getBytes(StandardCharsets.US_ASCII);
        try {
            for (boolean[] nulls : new boolean[][]{{true, false}, {false, true}}) {
                String which = nulls[0] ? "NULL key pointer" : "NULL length pointer";
                for (String f : List.of("hsm_client_get_ek", "hsm_client_get_srk")) {
                    HsmAdapter.Output o = adapter.output(f, h, nulls[0], nulls[1]);
                    judge(f, which, o, wrong);
                }
                judge("hsm_client_sign_with_identity", which,
                        adapter.sign(h, data, data.length, nulls[0], nulls[1]), wrong);
            }
        } finally {
            adapter.destroy(h);
        }
        if (!wrong.isEmpty()) {
            throw new AdapterCheckException(String.join("; ", wrong));
        }
    }

    private static void judge(String f, String which, HsmAdapter.Output o, List<String> wrong) {
        if (o.returned() == 0) {
            wrong.add(f + " returned 0 with a " + which + "; it must fail");
        } else if (!which.contains("length") && !o.lengthUntouched()) {
            wrong.add(f + " failed but wrote *key_len (" + o.length() + "); *_len must be set only on success");
        }
    }

    /** activate_identity_key fails on NULL and on zero length. */
    public void activationRefusesEmptyKeys() throws AdapterFailure, AdapterCheckException {
        adapter.init();
        HsmAdapter.Handle h = adapter.create();
        List<String> wrong = new ArrayList<>();
        try {
            if (adapter.activate(h, null, 16) == 0) {
                wrong.add("returned 0 for key == NULL");
            }
            if (adapter.activate(h, new byte[16], 0) == 0) {
                wrong.add("returned 0 for key_len == 0");
            }
        } finally {
            adapter.destroy(h);
        }
        if (!wrong.isEmpty()) {
            throw new AdapterCheckException("hsm_client_activate_identity_key " + String.join(" and ", wrong)
                    + "; it must fail on an empty key");
        }
    }

    /** sign_with_identity fails before any key was activated. */
    public void signingFailsBeforeActivation() throws AdapterFailure, AdapterCheckException {
        adapter.init();
        HsmAdapter.Handle h = adapter.create();
        try {
            byte[] data = "before activation".getBytes(StandardCharsets.US_ASCII);
            HsmAdapter.Output o = adapter.sign(h, data, data.length, false, false);
            if (o.returned() == 0) {
                throw new AdapterCheckException("hsm_client_sign_with_identity returned 0 before any identity key was "
                        + "activated; it must fail until DPS's key has been activated");
            }
        } finally {
            adapter.destroy(h);
        }
    }

    /**
     * Activates an identity key DPS would send for this EK and SRK, then checks that sign_with_identity is
     * HMAC-SHA256 under that key.
     */
    public void activatesDpsKeyAndSignsWithIt(String payload) throws AdapterFailure, AdapterCheckException {
        TpmPublic ek = keyIsWellFormed("hsm_client_get_ek");
        TpmPublic srk = keyIsWellFormed("hsm_client_get_srk");
        byte[] hmacKey = new byte[32];
        RANDOM.nextBytes(hmacKey);
        byte[] blob;
        try {
            blob = ActivationBlob.build(ek, srk, hmacKey, RANDOM).toBytes();
        } catch (IdentityException e) {
            throw new AdapterCheckException("DPS cannot build an activation blob for this EK and SRK: "
                    + e.getMessage());
        }
        HsmAdapter.Handle h = adapter.create();
        try {
            int rc = adapter.activate(h, blob, blob.length);
            if (rc != 0) {
                throw new AdapterCheckException("hsm_client_activate_identity_key returned " + rc + " for a well-formed "
                        + blob.length + "-byte DPS activation blob built for its own EK and SRK; expected 0"
                        + printed());
            }
            byte[] data = payload.getBytes(StandardCharsets.UTF_8);
            HsmAdapter.Output o = adapter.sign(h, data, data.length, false, false);
            if (o.returned() != 0 || o.data().isEmpty()) {
                throw new AdapterCheckException("hsm_client_sign_with_identity returned " + o.returned()
                        + " after a successful activation; expected 0 and a 32-byte HMAC");
            }
            byte[] expected = hmac(hmacKey, data);
            if (!MessageDigest.isEqual(expected, o.data().get())) {
                throw new AdapterCheckException("hsm_client_sign_with_identity returned " + o.data().get().length
                        + " bytes that are not HMAC-SHA256 of the data under the activated identity key (expected 32 "
                        + "bytes); DPS would refuse every SAS signed with it");
            }
        } finally {
            adapter.destroy(h);
        }
    }

    // ---- symmetric key ----

    /** get_symm_key is base64 of a key DPS accepts. */
    public void symmetricKeyIsBase64() throws AdapterFailure, AdapterCheckException {
        AdapterIdentity id = AdapterIdentity.read(adapter, redactor);
        byte[] key = ((AdapterIdentity.SymmetricKey) id).key();
        if (key.length < 16 || key.length > 64) {
            throw new AdapterCheckException("hsm_client_get_symm_key returned base64 of " + key.length + " bytes; DPS "
                    + "keys are 16 to 64 bytes");
        }
    }

    // ---- ids ----

    /** The adapter's registration id (CN or registration name) follows the DPS rules. */
    public String registrationIdIsValid(Optional<String> expected) throws AdapterFailure, AdapterCheckException {
        String function = type() == AdapterType.X509 ? "hsm_client_get_common_name" : "hsm_client_get_registration_name";
        adapter.init();
        HsmAdapter.Handle h = adapter.create();
        String r;
        try {
            r = adapter.string(function, h).orElseThrow(() -> new AdapterCheckException(function
                    + "() returned NULL on a valid handle; it must return the registration id"));
        } finally {
            adapter.destroy(h);
        }
        Optional<String> problem = RegistrationId.problem("the id " + function + " returned", r,
                type() == AdapterType.X509);
        if (problem.isPresent()) {
            throw new AdapterCheckException(problem.get() + "; it must return a DPS registration id");
        }
        if (expected.isPresent() && !RegistrationId.same(expected.get(), r)) {
            throw new AdapterCheckException(function + " returned \"" + r + "\", but the lab expects \""
                    + expected.get() + "\" (--registration-id)");
        }
        return r;
    }

    /** What the adapter printed, as a hint after a failed call (it never prints what it returned to us). */
    private String printed() {
        String out = adapter.output().strip();
        if (out.isEmpty()) {
            return "";
        }
        return "; the adapter printed: " + redactor.mask(out.substring(Math.max(0, out.length() - 800)));
    }

    private AdapterIdentity.X509 x509() throws AdapterFailure, AdapterCheckException {
        adapter.init();
        return (AdapterIdentity.X509) AdapterIdentity.read(adapter, redactor);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
