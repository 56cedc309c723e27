package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.tpm.ActivationBlob;
import dev.firstboot.identity.tpm.SasTokens;
import dev.firstboot.identity.tpm.TpmPublic;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * DPS's side of TPM attestation (dps.md §1.8, §3): the first register without a SAS gets a 401 challenge carrying an
 * activation blob for the device's EK and SRK; the device proves it activated it by signing a SAS with the key inside;
 * the assignment carries a second blob whose key the hub then accepts. Called under {@link DpsService}'s lock.
 */
final class TpmAttestation {
    /** The key name DPS gives in the challenge; devices echo it as {@code skn}. */
    static final String KEY_NAME = "registration";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String idScope;
    private final TimelineSink timeline;
    private boolean tamper;

    TpmAttestation(String idScope, TimelineSink timeline) {
        this.idScope = idScope;
        this.timeline = timeline;
    }

    void tamper(boolean on) {
        tamper = on;
    }

    /** A reply that is not a refusal but the challenge itself. */
    static final class Challenge extends Exception {
        final DpsReply reply;

        Challenge(DpsReply reply) {
            super("challenge", null, false, false);
            this.reply = reply;
        }
    }

    /** A key and the activation blob that carries it to one TPM. */
    record Issued(byte[] key, String blobBase64) {
        @Override
        public String toString() {
            return "Issued[«masked»]";
        }
    }

    DpsService.Authenticated authenticate(DeviceRequest request, DpsService.RegistrationRecord record,
                                          DpsService.Enrollment enrollment) throws DpsService.Refused, Challenge {
        String id = request.registrationId();
        if (enrollment == null) {
            throw new DpsService.Refused("no individual enrollment for registration id '" + id + "'");
        }
        if (enrollment.attestation() != DpsService.Attestation.TPM) {
            throw new DpsService.Refused("registration id '" + id + "' is enrolled for " + enrollment.attestation()
                    + " attestation, not TPM");
        }
        if (request.operation() == DeviceRequest.Operation.REGISTER) {
            readKeys(request, record);
            if (!Arrays.equals(enrollment.credential(), record.endorsementKey)) {
                throw new DpsService.Refused("the endorsement key is not the one enrolled for '" + id + "'");
            }
            if (request.authorization().isEmpty()) {
                throw new Challenge(challenge(record, id));
            }
        } else if (record.endorsementKey == null) {
            throw new DpsService.Refused("'" + id + "' polls an operation but never registered its TPM keys");
        }
        verifySas(request, record, id);
        return new DpsService.Authenticated(enrollment, new byte[0]);
    }

    /** The second blob, sent with the assignment: its key becomes the device's hub key. */
    Issued issueHubKey(DpsService.RegistrationRecord record) {
        return issue(record);
    }

    private void verifySas(DeviceRequest request, DpsService.RegistrationRecord record, String id)
            throws DpsService.Refused {
        if (request.authorization().isEmpty()) {
            throw new DpsService.Refused("no Authorization (SAS) header; a TPM device signs one after the challenge");
        }
        if (record.challengeKey == null) {
            throw new DpsService.Refused("a SAS was sent before any challenge was issued to '" + id + "'");
        }
        SasTokens.Verdict verdict = SasTokens.verify(request.authorization().get(), idScope + "/registrations/" + id,
                record.challengeKey, Set.of(KEY_NAME, ""), Instant.now());
        if (verdict instanceof SasTokens.Rejected rejected) {
            throw new DpsService.Refused("the SAS was refused: " + rejected.reason());
        }
    }

    private DpsReply challenge(DpsService.RegistrationRecord record, String id) {
        Issued issued = issue(record);
        record.challengeKey = issued.key();
        ObjectNode body = JSON.createObjectNode();
        body.put("authenticationKey", issued.blobBase64());
        body.put("keyName", KEY_NAME);
        timeline.record(Origin.SERVICE, EventKind.DPS_CHALLENGE, id, Map.of("keyName", KEY_NAME));
        return new DpsReply(401, "", 0, Optional.empty(), body.toString(), Optional.empty());
    }

    private Issued issue(DpsService.RegistrationRecord record) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        try {
            ActivationBlob blob = ActivationBlob.build(TpmPublic.parse(record.endorsementKey),
                    TpmPublic.parse(record.storageRootKey), key, RANDOM);
            byte[] bytes = blob.toBytes();
            if (tamper) {
                // Inside the credential's integrity HMAC: ActivateCredential must refuse it.
                bytes[6] ^= 0x5a;
                timeline.record(Origin.SERVICE, EventKind.FAULT_INJECTED, record.registrationId,
                        Map.of("fault", "tampered activation blob"));
            }
            return new Issued(key, Base64.getEncoder().encodeToString(bytes));
        } catch (IdentityException e) {
            throw new IllegalStateException("keys that parsed at registration no longer parse: " + e.getMessage(), e);
        }
    }

    private static void readKeys(DeviceRequest request, DpsService.RegistrationRecord record) throws DpsService.Refused {
        JsonNode tpm;
        try {
            tpm = JSON.readTree(request.body()).path("tpm");
        } catch (IOException e) {
            throw new DpsService.Refused(DpsError.badRequest("the body is not valid JSON"));
        }
        byte[] ek = base64(tpm.path("endorsementKey"), "tpm.endorsementKey");
        byte[] srk = base64(tpm.path("storageRootKey"), "tpm.storageRootKey");
        try {
            TpmPublic.parse(ek);
            TpmPublic.parse(srk);
        } catch (IdentityException e) {
            throw new DpsService.Refused(DpsError.badRequest("a TPM key is not a valid TPM2B_PUBLIC: " + e.getMessage()));
        }
        record.endorsementKey = ek;
        record.storageRootKey = srk;
    }

    private static byte[] base64(JsonNode node, String field) throws DpsService.Refused {
        if (!node.isTextual()) {
            throw new DpsService.Refused(DpsError.badRequest("the body has no " + field));
        }
        try {
            return Base64.getDecoder().decode(node.asText());
        } catch (IllegalArgumentException e) {
            throw new DpsService.Refused(DpsError.badRequest(field + " is not base64"));
        }
    }
}
