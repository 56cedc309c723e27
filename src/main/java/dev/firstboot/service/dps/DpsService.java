package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.Certificates;
import dev.firstboot.rig.Backend;
import dev.firstboot.service.hub.DeviceCredential;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The DPS emulator's logic: enrollments, registrations, operations and the decisions on them. It knows nothing of
 * the transport that carried a request; transports turn wire traffic into {@link DeviceRequest}s and put the
 * {@link DpsReply} back on the wire. Thread-safe; every call is short and never blocks on I/O.
 */
public final class DpsService {
    /** The service's maximum message size (96 KB). */
    public static final int MAX_BODY_BYTES = 98_304;
    /** The longest retry-after a client honours (C clamps above five minutes). */
    public static final int MAX_RETRY_AFTER_SECONDS = 300;

    private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String idScope;
    private final HubAssigner hubs;
    private final TimelineSink timeline;
    private final Map<String, Enrollment> enrollments = new HashMap<>();
    private final Map<String, SymmetricKeyAttestation.Group> groups = new LinkedHashMap<>();
    private final Map<String, RegistrationRecord> registrations = new HashMap<>();
    private final Map<String, OperationRecord> operations = new HashMap<>();
    private final TpmAttestation tpm;
    private final SymmetricKeyAttestation symmetricKey;
    private int retryAfterSeconds;

    public DpsService(String idScope, int retryAfterSeconds, HubAssigner hubs, TimelineSink timeline) {
        this.idScope = idScope;
        this.hubs = hubs;
        this.timeline = timeline;
        this.tpm = new TpmAttestation(idScope, timeline);
        this.symmetricKey = new SymmetricKeyAttestation(idScope);
        setRetryAfterSeconds(retryAfterSeconds);
    }

    public String idScope() {
        return idScope;
    }

    public synchronized int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public synchronized void setRetryAfterSeconds(int seconds) {
        if (seconds < 0 || seconds > MAX_RETRY_AFTER_SECONDS) {
            throw new IllegalArgumentException("retry-after must be 0 to " + MAX_RETRY_AFTER_SECONDS
                    + " whole seconds, got " + seconds);
        }
        this.retryAfterSeconds = seconds;
    }

    /** An individual X.509 enrollment: the device is known by its leaf certificate, byte for byte. */
    public synchronized void enrollX509Individual(String registrationId, byte[] leafCertificateDer,
                                                  Optional<String> deviceId, String hubName, boolean enabled) {
        enroll(new Enrollment(registrationId, Attestation.X509, leafCertificateDer.clone(),
                deviceId.filter(d -> !d.isBlank()), hubName, enabled));
    }

    /** An individual TPM enrollment: the device is known by its endorsement key (a marshalled TPM2B_PUBLIC). */
    public synchronized void enrollTpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId,
                                                 String hubName, boolean enabled) {
        enroll(new Enrollment(registrationId, Attestation.TPM, endorsementKey.clone(),
                deviceId.filter(d -> !d.isBlank()), hubName, enabled));
    }

    /** An individual symmetric-key enrollment: the device signs its SAS tokens with {@code primaryKey}. */
    public synchronized void enrollSymmetricKeyIndividual(String registrationId, byte[] primaryKey,
                                                          Optional<String> deviceId, String hubName, boolean enabled) {
        requireKeyLength(primaryKey, "the primary key of '" + registrationId + "'");
        enroll(new Enrollment(registrationId, Attestation.SYMMETRIC_KEY, primaryKey.clone(),
                deviceId.filter(d -> !d.isBlank()), hubName, enabled));
    }

    /**
     * A symmetric-key enrollment group: a registration id with no individual enrollment belongs to it when its SAS
     * verifies with {@code HMAC-SHA256(groupKey, registrationId)}; its device id is its registration id.
     */
    public synchronized void enrollSymmetricKeyGroup(String groupId, byte[] groupKey, String hubName, boolean enabled) {
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("an enrollment group needs a group id");
        }
        requireKeyLength(groupKey, "the key of enrollment group '" + groupId + "'");
        groups.put(groupId, new SymmetricKeyAttestation.Group(groupId, groupKey, hubName, enabled));
    }

    /** DPS takes keys of 16 to 64 bytes, as the real service does. */
    private static void requireKeyLength(byte[] key, String what) {
        if (key.length < 16 || key.length > 64) {
            throw new IllegalArgumentException(what + " must be 16 to 64 bytes, got " + key.length);
        }
    }

    private void enroll(Enrollment e) {
        if (e.registrationId().isBlank()) {
            throw new IllegalArgumentException("an enrollment needs a registration id");
        }
        enrollments.put(e.registrationId(), e);
    }

    /** Fault injection: corrupt every activation blob from now on (until {@link #reset()}). */
    public synchronized void tamperActivationBlobs(boolean tamper) {
        tpm.tamper(tamper);
    }

    /** Forgets every enrollment, registration and operation, and clears injected faults. */
    public synchronized void reset() {
        tpm.tamper(false);
        enrollments.clear();
        groups.clear();
        registrations.clear();
        operations.clear();
    }

    public synchronized Optional<Backend.Registration> registration(String registrationId) {
        RegistrationRecord r = registrations.get(registrationId);
        if (r == null) {
            return Optional.empty();
        }
        return Optional.of(new Backend.Registration(r.registrationId, r.status(), r.hubHost, r.deviceId,
                r.chains.stream().map(c -> c.stream().map(byte[]::clone).toList()).toList()));
    }

    /**
     * Keeps the chain of a request a transport refused before it reached {@link #handle} (too large, wrong method),
     * and builds the error reply for it.
     */
    public synchronized DpsReply refuse(Optional<String> registrationId, List<byte[]> peerChain, DpsError error) {
        registrationId.ifPresent(id -> record(id).chains.add(copy(peerChain)));
        return errorReply(error);
    }

    public synchronized DpsReply handle(DeviceRequest request) {
        RegistrationRecord record = record(request.registrationId());
        record.chains.add(copy(request.peerChain()));
        return decide(request, record);
    }

    private DpsReply decide(DeviceRequest request, RegistrationRecord record) {
        if (request.apiVersion().isEmpty()) {
            return errorReply(DpsError.badRequest("the api-version query parameter is missing"));
        }
        if (!API_VERSION.matcher(request.apiVersion().get()).matches()) {
            return errorReply(DpsError.badRequest("api-version '" + request.apiVersion().get()
                    + "' is not a version like 2021-06-01"));
        }
        if (!idScope.equals(request.idScope())) {
            return errorReply(DpsError.notFound("no DPS instance with ID scope '" + request.idScope() + "'"));
        }
        if (request.body().length > MAX_BODY_BYTES) {
            return errorReply(DpsError.payloadTooLarge(MAX_BODY_BYTES));
        }
        if (request.operation() == DeviceRequest.Operation.REGISTER) {
            Optional<DpsError> bad = checkRegisterBody(request);
            if (bad.isPresent()) {
                return errorReply(bad.get());
            }
        }
        Authenticated who;
        try {
            Enrollment enrolled = enrollments.get(request.registrationId());
            if (enrolled != null && enrolled.attestation() == Attestation.TPM || hasTpmBody(request)) {
                who = tpm.authenticate(request, record, enrolled);
            } else if (enrolled != null ? enrolled.attestation() == Attestation.SYMMETRIC_KEY
                    : request.authorization().isPresent()) {
                // Without an individual enrollment, only a SAS can make the device a member of a group.
                who = symmetricKey.authenticate(request, enrolled, groups.values());
            } else {
                who = authenticate(request);
            }
        } catch (Refused r) {
            record.refused = true;
            return errorReply(r.error);
        } catch (TpmAttestation.Challenge c) {
            return c.reply;
        }
        record.authenticated = true;
        return request.operation() == DeviceRequest.Operation.REGISTER
                ? register(record) : status(record, who, request.operationId().orElse(""));
    }

    private DpsReply register(RegistrationRecord record) {
        String operationId = "4." + HexFormat.of().formatHex(randomBytes(8)) + "." + UUID.randomUUID();
        operations.put(operationId, new OperationRecord(operationId, record.registrationId));
        record.assigning = true;
        ObjectNode body = JSON.createObjectNode();
        body.put("operationId", operationId);
        body.put("status", "assigning");
        return new DpsReply(202, "assigning", retryAfterSeconds, Optional.of(operationId), write(body),
                Optional.empty());
    }

    private DpsReply status(RegistrationRecord record, Authenticated who, String operationId) {
        OperationRecord op = operations.get(operationId);
        if (op == null || !op.registrationId.equals(record.registrationId)) {
            return errorReply(DpsError.notFound("no operation '" + operationId + "' for registration '"
                    + record.registrationId + "'"));
        }
        if (!op.decided) {
            assign(record, who);
            op.decided = true;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("operationId", op.operationId);
        body.put("status", record.decidedStatus);
        ObjectNode state = body.putObject("registrationState");
        state.put("registrationId", record.registrationId);
        state.put("createdDateTimeUtc", record.created.toString());
        if (record.decidedStatus.equals("assigned")) {
            state.put("assignedHub", record.hubHost.orElseThrow());
            state.put("deviceId", record.deviceId.orElseThrow());
        }
        state.put("status", record.decidedStatus);
        if (record.decidedStatus.equals("assigned")) {
            state.put("substatus", "initialAssignment");
        }
        state.put("lastUpdatedDateTimeUtc", record.updated.toString());
        state.put("etag", record.etag);
        if (who.enrollment().attestation() == Attestation.TPM) {
            ObjectNode tpmState = state.putObject("tpm");
            record.hubKeyBlob.ifPresent(b -> tpmState.put("authenticationKey", b));
        } else if (who.enrollment().attestation() == Attestation.SYMMETRIC_KEY) {
            ObjectNode keyState = state.putObject("symmetricKey");
            who.enrollmentGroupId().ifPresent(g -> keyState.put("enrollmentGroupId", g));
        } else {
            state.putObject("x509");
        }
        return new DpsReply(200, record.decidedStatus, 0, Optional.of(op.operationId), write(body), Optional.empty());
    }

    private void assign(RegistrationRecord record, Authenticated who) {
        Instant now = Instant.now();
        if (record.created == null) {
            record.created = now;
        }
        record.updated = now;
        record.etag = Base64.getEncoder().encodeToString(("\"" + UUID.randomUUID() + "\"")
                .getBytes(StandardCharsets.UTF_8));
        record.assigning = false;
        Enrollment e = who.enrollment;
        if (!e.enabled()) {
            record.decidedStatus = "disabled";
            record.hubHost = Optional.empty();
            record.deviceId = Optional.empty();
            return;
        }
        String deviceId = e.deviceId().orElse(e.registrationId());
        DeviceCredential credential;
        if (e.attestation() == Attestation.TPM) {
            // The second blob carries the key the device will sign its hub SAS tokens with (dps.md §1.8 step 4).
            TpmAttestation.Issued hubKey = tpm.issueHubKey(record);
            record.hubKeyBlob = Optional.of(hubKey.blobBase64());
            credential = new DeviceCredential.SymmetricKey(hubKey.key());
        } else if (e.attestation() == Attestation.SYMMETRIC_KEY) {
            // The individual key, or the group member's derived key: the device signs its hub SAS with the same key.
            credential = new DeviceCredential.SymmetricKey(e.credential());
        } else {
            credential = new DeviceCredential.Thumbprint(Certificates.sha256Thumbprint(who.leafDer));
        }
        String host = hubs.assign(e.hubName(), deviceId, credential);
        record.decidedStatus = "assigned";
        record.hubHost = Optional.of(host);
        record.deviceId = Optional.of(deviceId);
        timeline.record(Origin.SERVICE, EventKind.DPS_ASSIGNED, record.registrationId,
                Map.of("assignedHub", host, "deviceId", deviceId));
    }

    private Authenticated authenticate(DeviceRequest request) throws Refused {
        String id = request.registrationId();
        if (request.peerChain().isEmpty()) {
            throw new Refused("no TLS client certificate was presented");
        }
        byte[] leafDer = request.peerChain().get(0);
        X509Certificate leaf;
        try {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(leafDer));
        } catch (CertificateException e) {
            throw new Refused("the client certificate could not be parsed: " + e.getMessage());
        }
        Optional<String> cn = Certificates.commonName(leaf);
        if (cn.isEmpty() || !cn.get().equals(id)) {
            throw new Refused("the client certificate's CN '" + cn.orElse("") + "' is not the registration id '"
                    + id + "'");
        }
        Enrollment e = enrollments.get(id);
        if (e == null) {
            throw new Refused("no individual enrollment for registration id '" + id + "'");
        }
        if (e.attestation() != Attestation.X509) {
            throw new Refused("registration id '" + id + "' is enrolled for " + e.attestation()
                    + " attestation, not X.509");
        }
        if (!Arrays.equals(e.credential(), leafDer)) {
            throw new Refused("the client certificate is not the one enrolled for '" + id + "' (SHA-256 "
                    + Certificates.sha256Thumbprint(leafDer) + ", enrolled "
                    + Certificates.sha256Thumbprint(e.credential()) + ")");
        }
        return new Authenticated(e, leafDer);
    }

    private static Optional<DpsError> checkRegisterBody(DeviceRequest request) {
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (IOException e) {
            return Optional.of(DpsError.badRequest("the body is not valid JSON"));
        }
        if (body == null || !body.isObject()) {
            return Optional.of(DpsError.badRequest("the body must be a JSON object with a registrationId"));
        }
        JsonNode id = body.get("registrationId");
        if (id == null || !id.isTextual()) {
            return Optional.of(DpsError.badRequest("the body has no registrationId"));
        }
        if (!id.asText().equals(request.registrationId())) {
            return Optional.of(DpsError.badRequest("the body's registrationId '" + id.asText()
                    + "' differs from the path's '" + request.registrationId() + "'"));
        }
        return Optional.empty();
    }

    private DpsReply errorReply(DpsError error) {
        ObjectNode body = JSON.createObjectNode();
        body.put("errorCode", error.errorCode());
        body.put("trackingId", UUID.randomUUID().toString());
        body.put("message", error.message());
        body.put("timestampUtc", Instant.now().toString());
        return new DpsReply(error.httpStatus(), "", 0, Optional.empty(), write(body), Optional.of(error));
    }

    private RegistrationRecord record(String registrationId) {
        return registrations.computeIfAbsent(registrationId, RegistrationRecord::new);
    }

    private static List<byte[]> copy(List<byte[]> chain) {
        return chain.stream().map(byte[]::clone).toList();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (IOException e) {
            throw new IllegalStateException("could not write a DPS reply", e);
        }
    }

    enum Attestation { X509, TPM, SYMMETRIC_KEY }

    /**
     * An individual enrollment: the credential is the leaf certificate (X.509), the endorsement key (TPM) or the
     * primary key (symmetric key; for a group member, the key derived from the group key).
     */
    record Enrollment(String registrationId, Attestation attestation, byte[] credential, Optional<String> deviceId,
                      String hubName, boolean enabled) {
    }

    record Authenticated(Enrollment enrollment, byte[] leafDer, Optional<String> enrollmentGroupId) {
        Authenticated(Enrollment enrollment, byte[] leafDer) {
            this(enrollment, leafDer, Optional.empty());
        }
    }

    /** A request DPS turns away: unauthorized, or another error the attestation found. */
    static final class Refused extends Exception {
        final DpsError error;

        Refused(String why) {
            this(DpsError.unauthorized(why));
        }

        Refused(DpsError error) {
            super(error.reason(), null, false, false);
            this.error = error;
        }
    }

    private static boolean hasTpmBody(DeviceRequest request) {
        if (request.operation() != DeviceRequest.Operation.REGISTER) {
            return false;
        }
        try {
            JsonNode body = JSON.readTree(request.body());
            return body != null && body.has("tpm");
        } catch (IOException e) {
            return false;
        }
    }

    static final class RegistrationRecord {
        final String registrationId;
        /** TPM: the keys the device registered with, and the key of the challenge it was last given (secret). */
        byte[] endorsementKey;
        byte[] storageRootKey;
        byte[] challengeKey;
        Optional<String> hubKeyBlob = Optional.empty();
        final List<List<byte[]>> chains = new ArrayList<>();
        boolean authenticated;
        boolean refused;
        boolean assigning;
        String decidedStatus = "";
        Optional<String> hubHost = Optional.empty();
        Optional<String> deviceId = Optional.empty();
        Instant created;
        Instant updated;
        String etag = "";

        RegistrationRecord(String registrationId) {
            this.registrationId = registrationId;
        }

        /** assigning while an operation is open, then its outcome; unauthorized if the device never got in. */
        String status() {
            if (assigning) {
                return "assigning";
            }
            if (!decidedStatus.isEmpty()) {
                return decidedStatus;
            }
            if (refused && !authenticated) {
                return "unauthorized";
            }
            return "unassigned";
        }
    }

    private static final class OperationRecord {
        final String operationId;
        final String registrationId;
        boolean decided;

        OperationRecord(String operationId, String registrationId) {
            this.operationId = operationId;
            this.registrationId = registrationId;
        }
    }
}
