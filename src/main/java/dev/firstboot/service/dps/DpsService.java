package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.RegistrationId;
import dev.firstboot.pki.Certificates;
import dev.firstboot.rig.Backend;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.dps.store.EnrollmentStore;
import dev.firstboot.service.dps.store.StoreAdmin;
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
import java.time.Duration;
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
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The DPS emulator's logic: enrollments, registrations, operations and the decisions on them. It knows nothing of
 * the transport that carried a request; transports turn wire traffic into {@link DeviceRequest}s and put the
 * {@link DpsReply} back on the wire. Thread-safe; every call is short and never blocks on I/O.
 */
public final class DpsService implements AutoCloseable {
    /** The service's maximum message size (96 KB). */
    public static final int MAX_BODY_BYTES = 98_304;
    /** The longest retry-after a client honours (C clamps above five minutes). */
    public static final int MAX_RETRY_AFTER_SECONDS = 300;
    /** How long a custom-allocation webhook may take before the registration fails. */
    public static final Duration WEBHOOK_DEADLINE = Duration.ofSeconds(10);

    private static final Pattern API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String idScope;
    private final HubAssigner hubs;
    private final TimelineSink timeline;
    private final StoreAdmin admin;
    private final Map<String, RegistrationRecord> registrations = new HashMap<>();
    private final Map<String, OperationRecord> operations = new HashMap<>();
    private final TpmAttestation tpm;
    private final SymmetricKeyAttestation symmetricKey;
    private final Allocation allocation;
    private int retryAfterSeconds;

    /** A DPS on a private in-memory store. */
    public DpsService(String idScope, int retryAfterSeconds, HubAssigner hubs, TimelineSink timeline) {
        this(idScope, retryAfterSeconds, hubs, timeline, EnrollmentStore.inMemory());
    }

    /** A DPS on {@code store} (in memory, or a data directory that survives restarts); closing DPS closes it. */
    public DpsService(String idScope, int retryAfterSeconds, HubAssigner hubs, TimelineSink timeline,
                      EnrollmentStore store) {
        this.idScope = idScope;
        this.hubs = hubs;
        this.timeline = timeline;
        this.admin = new StoreAdmin(store);
        this.tpm = new TpmAttestation(idScope, timeline);
        this.symmetricKey = new SymmetricKeyAttestation(idScope);
        this.allocation = new Allocation(hubs, WEBHOOK_DEADLINE);
        admin.onRegistrationDeleted(this::forget);
        setRetryAfterSeconds(retryAfterSeconds);
    }

    /** The enrollment service on this DPS's store: what the REST front, the steps and the seed loader use. */
    public StoreAdmin admin() {
        return admin;
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

    /**
     * The geoLatency stand-in: a latency in milliseconds per hub name (or host); the linked hub with the lowest wins,
     * hubs without a number count as slowest.
     */
    public void setHubLatencies(Map<String, Integer> millisByHub) {
        allocation.setLatencies(millisByHub);
    }

    /** How long a custom-allocation webhook may take ({@link #WEBHOOK_DEADLINE} unless set); at most 60 s. */
    public void setWebhookDeadline(Duration deadline) {
        allocation.setDeadline(deadline);
    }

    /** An individual X.509 enrollment: the device is known by its leaf certificate, byte for byte. */
    public void enrollX509Individual(String registrationId, byte[] leafCertificateDer, Optional<String> deviceId,
                                     String hubName, boolean enabled) {
        put(EnrollmentAdmin.Collection.ENROLLMENTS, registrationId, EnrollmentDocuments.x509Individual(registrationId,
                leafCertificateDer, deviceId, hubs.hostFor(hubName), enabled));
    }

    /** An individual TPM enrollment: the device is known by its endorsement key (a marshalled TPM2B_PUBLIC). */
    public void enrollTpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId,
                                    String hubName, boolean enabled) {
        put(EnrollmentAdmin.Collection.ENROLLMENTS, registrationId, EnrollmentDocuments.tpmIndividual(registrationId,
                endorsementKey, deviceId, hubs.hostFor(hubName), enabled));
    }

    /** An individual symmetric-key enrollment: the device signs its SAS tokens with {@code primaryKey}. */
    public void enrollSymmetricKeyIndividual(String registrationId, byte[] primaryKey, Optional<String> deviceId,
                                             String hubName, boolean enabled) {
        put(EnrollmentAdmin.Collection.ENROLLMENTS, registrationId, EnrollmentDocuments.symmetricKeyIndividual(
                registrationId, primaryKey, deviceId, hubs.hostFor(hubName), enabled));
    }

    /**
     * A symmetric-key enrollment group: a registration id with no individual enrollment belongs to it when its SAS
     * verifies with {@code HMAC-SHA256(groupKey, registrationId)}; its device id is its registration id.
     */
    public void enrollSymmetricKeyGroup(String groupId, byte[] groupKey, String hubName, boolean enabled) {
        put(EnrollmentAdmin.Collection.ENROLLMENT_GROUPS, groupId, EnrollmentDocuments.symmetricKeyGroup(groupId,
                groupKey, hubs.hostFor(hubName), enabled));
    }

    /**
     * An X.509 enrollment group on a root or intermediate CA: a device whose presented chain leads to this
     * certificate (signatures and validity) and has no individual enrollment joins it; its device id is its leaf CN.
     */
    public void enrollX509Group(String groupId, byte[] caCertificateDer, String hubName, boolean enabled) {
        put(EnrollmentAdmin.Collection.ENROLLMENT_GROUPS, groupId, EnrollmentDocuments.x509Group(groupId,
                caCertificateDer, hubs.hostFor(hubName), enabled));
    }

    private void put(EnrollmentAdmin.Collection collection, String id, ObjectNode doc) {
        try {
            admin.put(collection, id, doc, Optional.empty());
        } catch (EnrollmentAdmin.AdminError e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Fault injection: corrupt every activation blob from now on (until {@link #reset()}). */
    public synchronized void tamperActivationBlobs(boolean tamper) {
        tpm.tamper(tamper);
    }

    /** Forgets every enrollment, group, certificate, registration and operation, and clears injected faults. */
    public synchronized void reset() {
        tpm.tamper(false);
        admin.clear();
        registrations.clear();
        operations.clear();
        allocation.setLatencies(Map.of());
    }

    /** Closes the store (a file store is flushed). */
    @Override
    public synchronized void close() {
        admin.store().close();
    }

    private synchronized void forget(String registrationId) {
        registrations.remove(RegistrationId.key(registrationId));
    }

    public synchronized Optional<Backend.Registration> registration(String registrationId) {
        RegistrationRecord r = registrations.get(RegistrationId.key(registrationId));
        if (r == null) {
            // A record from before a restart: the store keeps the outcome, not the presented chains.
            return admin.get(EnrollmentAdmin.Collection.REGISTRATIONS, registrationId).map(doc ->
                    new Backend.Registration(registrationId, doc.path("status").asText(),
                            text(doc, "assignedHub"), text(doc, "deviceId"), List.of()));
        }
        return Optional.of(new Backend.Registration(r.registrationId, r.status(), r.hubHost, r.deviceId,
                r.chains.stream().map(c -> c.stream().map(byte[]::clone).toList()).toList()));
    }

    /** The registration state as the service API returns it: the store's document, read as any client reads it. */
    public synchronized Optional<Backend.RegistrationState> registrationState(String registrationId) {
        return admin.get(EnrollmentAdmin.Collection.REGISTRATIONS, registrationId).map(doc ->
                new Backend.RegistrationState(registrationId, doc.path("status").asText(), text(doc, "assignedHub"),
                        text(doc, "deviceId"), text(doc, "substatus"),
                        doc.hasNonNull("errorCode") ? Optional.of(doc.get("errorCode").asInt()) : Optional.empty(),
                        text(doc, "errorMessage"), instant(doc, "createdDateTimeUtc"),
                        instant(doc, "lastUpdatedDateTimeUtc")));
    }

    private static Optional<Instant> instant(JsonNode doc, String field) {
        try {
            return text(doc, field).map(Instant::parse);
        } catch (java.time.format.DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> text(JsonNode doc, String field) {
        return doc.hasNonNull(field) ? Optional.of(doc.get(field).asText()) : Optional.empty();
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
        request.authorization().ifPresent(timeline::sasTokenSeen);
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
        Optional<JsonNode> payload = Optional.empty();
        if (request.operation() == DeviceRequest.Operation.REGISTER) {
            Optional<DpsError> bad = checkRegisterBody(request);
            if (bad.isPresent()) {
                return errorReply(bad.get());
            }
            payload = devicePayload(request);
        }
        Authenticated who;
        try {
            Enrollment enrolled = admin.enrollment(request.registrationId()).map(Enrollment::of).orElse(null);
            if (enrolled != null && enrolled.attestation() == Attestation.TPM || hasTpmBody(request)) {
                who = tpm.authenticate(request, record, enrolled);
            } else if (enrolled != null ? enrolled.attestation() == Attestation.SYMMETRIC_KEY
                    : request.authorization().isPresent()) {
                // Without an individual enrollment, only a SAS can make the device a member of a group.
                who = symmetricKey.authenticate(request, enrolled, symmetricKeyGroups());
            } else {
                who = X509Attestation.authenticate(request, enrolled, admin);
            }
        } catch (Refused r) {
            record.refused = true;
            return errorReply(r.error);
        } catch (TpmAttestation.Challenge c) {
            return c.reply;
        }
        record.authenticated = true;
        return request.operation() == DeviceRequest.Operation.REGISTER
                ? register(record, who, payload) : status(record, who, request.operationId().orElse(""));
    }

    private List<SymmetricKeyAttestation.Group> symmetricKeyGroups() {
        List<SymmetricKeyAttestation.Group> groups = new ArrayList<>();
        for (ObjectNode g : admin.groups()) {
            JsonNode a = g.path("attestation");
            if (a.path("type").asText().equals("symmetricKey")) {
                groups.add(new SymmetricKeyAttestation.Group(g.path("enrollmentGroupId").asText(),
                        Base64.getDecoder().decode(a.path("symmetricKey").path("primaryKey").asText()), g,
                        enabled(g)));
            }
        }
        return groups;
    }

    private DpsReply register(RegistrationRecord record, Authenticated who, Optional<JsonNode> payload) {
        String operationId = "4." + HexFormat.of().formatHex(randomBytes(8)) + "." + UUID.randomUUID();
        OperationRecord op = new OperationRecord(operationId, record.registrationId);
        operations.put(operationId, op);
        record.assigning = true;
        if (who.enrollment().enabled() && who.enrollment().doc().path("allocationPolicy").asText().equals("custom")) {
            // The webhook runs while the device polls; the poll that finds it answered decides.
            op.webhook = Optional.of(allocation.callWebhook(who, currentHub(record.registrationId), payload));
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("operationId", operationId);
        body.put("status", "assigning");
        return new DpsReply(202, "assigning", retryAfterSeconds, Optional.of(operationId), write(body),
                Optional.empty());
    }

    private DpsReply status(RegistrationRecord record, Authenticated who, String operationId) {
        OperationRecord op = operations.get(operationId);
        if (op == null || !RegistrationId.same(op.registrationId, record.registrationId)) {
            return errorReply(DpsError.notFound("no operation '" + operationId + "' for registration '"
                    + record.registrationId + "'"));
        }
        if (!op.decided) {
            if (op.webhook.isPresent() && !op.webhook.get().isDone()) {
                ObjectNode body = JSON.createObjectNode();
                body.put("operationId", op.operationId);
                body.put("status", "assigning");
                body.putObject("registrationState").put("registrationId", record.registrationId)
                        .put("status", "assigning");
                return new DpsReply(202, "assigning", retryAfterSeconds, Optional.of(op.operationId), write(body),
                        Optional.empty());
            }
            assign(record, who, op.webhook.map(CompletableFuture::join));
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
            state.put("substatus", record.substatus);
        }
        if (record.decidedStatus.equals("failed")) {
            state.put("errorCode", record.errorCode);
            state.put("errorMessage", record.errorMessage);
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
            ObjectNode x509 = state.putObject("x509");
            who.enrollmentGroupId().ifPresent(g -> x509.put("enrollmentGroupId", g));
        }
        record.payload.ifPresent(p -> state.set("payload", p));
        return new DpsReply(200, record.decidedStatus, 0, Optional.of(op.operationId), write(body), Optional.empty());
    }

    /** The hub the device is assigned to now, from its stored registration record. */
    private Optional<String> currentHub(String registrationId) {
        return admin.get(EnrollmentAdmin.Collection.REGISTRATIONS, registrationId)
                .filter(r -> r.path("status").asText().equals("assigned"))
                .flatMap(r -> text(r, "assignedHub"));
    }

    private void assign(RegistrationRecord record, Authenticated who, Optional<Allocation.Outcome> webhook) {
        Instant now = Instant.now();
        Optional<ObjectNode> previous = admin.get(EnrollmentAdmin.Collection.REGISTRATIONS, record.registrationId);
        if (record.created == null) {
            record.created = previous.map(p -> p.path("createdDateTimeUtc").asText(""))
                    .filter(t -> !t.isEmpty()).map(Instant::parse).orElse(now);
        }
        record.updated = now;
        record.etag = Base64.getEncoder().encodeToString(("\"" + UUID.randomUUID() + "\"")
                .getBytes(StandardCharsets.UTF_8));
        record.assigning = false;
        record.payload = Optional.empty();
        Enrollment e = who.enrollment;
        if (!e.enabled()) {
            record.decidedStatus = "disabled";
            record.hubHost = Optional.empty();
            record.deviceId = Optional.empty();
            persist(record, who);
            return;
        }
        String deviceId = e.deviceId().orElse(e.registrationId());
        Optional<String> priorHost = previous.filter(p -> p.path("status").asText().equals("assigned"))
                .flatMap(p -> text(p, "assignedHub"));
        Optional<String> priorDevice = previous.flatMap(p -> text(p, "deviceId"));
        JsonNode policy = e.doc().path("reprovisionPolicy");
        boolean update = policy.path("updateHubAssignment").asBoolean(true);
        boolean migrate = policy.path("migrateDeviceData").asBoolean(true);

        Allocation.Decision decision;
        if (priorHost.isPresent() && !update) {
            decision = new Allocation.Assigned(priorHost.get(), Optional.empty(), Optional.empty());
        } else {
            decision = allocation.decide(who, webhook);
        }
        if (decision instanceof Allocation.Assigned a && hubs.nameForHost(a.host()).isEmpty()) {
            // A record from before a restart may name a hub this DPS no longer has.
            decision = new Allocation.Failed(Allocation.NO_HUB, "hub '" + a.host() + "' is not linked to this DPS");
        }
        if (decision instanceof Allocation.Failed f) {
            record.decidedStatus = "failed";
            record.errorCode = f.errorCode();
            record.errorMessage = f.message();
            record.hubHost = Optional.empty();
            record.deviceId = Optional.empty();
            persist(record, who);
            return;
        }
        Allocation.Assigned assigned = (Allocation.Assigned) decision;
        String hubName = hubs.nameForHost(assigned.host()).orElseThrow();
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
        String host = hubs.assign(hubName, deviceId, credential);
        ObjectNode initialTwin = assigned.initialTwin().orElseGet(() -> e.doc().path("initialTwin").isObject()
                ? (ObjectNode) e.doc().get("initialTwin") : JSON.createObjectNode());
        if (priorHost.isEmpty()) {
            record.substatus = "initialAssignment";
            hubs.applyTwin(hubName, deviceId, initialTwin);
        } else if (!update) {
            record.substatus = "reprovisionedToInitialAssignment";
        } else if (migrate) {
            record.substatus = "deviceDataMigrated";
            Optional<String> priorName = hubs.nameForHost(priorHost.get());
            if (priorName.isPresent() && !priorName.get().equals(hubName)) {
                hubs.twin(priorName.get(), priorDevice.orElse(deviceId))
                        .ifPresent(t -> hubs.applyTwin(hubName, deviceId, t));
            }
        } else {
            record.substatus = "deviceDataReset";
            ObjectNode reset = initialTwin.deepCopy();
            reset.with("properties").putObject("reported");
            hubs.applyTwin(hubName, deviceId, reset);
        }
        record.decidedStatus = "assigned";
        record.hubHost = Optional.of(host);
        record.deviceId = Optional.of(deviceId);
        record.payload = assigned.payload();
        // On the timeline before the service API shows it: a judge that read the state finds the assignment.
        timeline.record(Origin.SERVICE, EventKind.DPS_ASSIGNED, record.registrationId,
                Map.of("assignedHub", host, "deviceId", deviceId, "substatus", record.substatus));
        persist(record, who);
    }

    /** The registration record as the service API returns it (DeviceRegistrationState). */
    private void persist(RegistrationRecord record, Authenticated who) {
        ObjectNode state = JSON.createObjectNode();
        state.put("registrationId", record.registrationId);
        state.put("createdDateTimeUtc", record.created.toString());
        record.hubHost.ifPresent(h -> state.put("assignedHub", h));
        record.deviceId.ifPresent(d -> state.put("deviceId", d));
        state.put("status", record.decidedStatus);
        if (record.decidedStatus.equals("assigned")) {
            state.put("substatus", record.substatus);
        }
        if (record.decidedStatus.equals("failed")) {
            state.put("errorCode", record.errorCode);
            state.put("errorMessage", record.errorMessage);
        }
        who.enrollmentGroupId().ifPresent(g -> state.put("enrollmentGroupId", g));
        state.put("lastUpdatedDateTimeUtc", record.updated.toString());
        state.put("etag", record.etag);
        record.payload.ifPresent(p -> state.set("payload", p));
        admin.putRegistration(record.registrationId, state);
    }

    private static Optional<JsonNode> devicePayload(DeviceRequest request) {
        try {
            JsonNode p = JSON.readTree(request.body()).get("payload");
            return p == null || p.isNull() ? Optional.empty() : Optional.of(p);
        } catch (IOException e) {
            return Optional.empty();
        }
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
        if (!RegistrationId.same(id.asText(), request.registrationId())) {
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
        return registrations.computeIfAbsent(RegistrationId.key(registrationId), k -> new RegistrationRecord(registrationId));
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

    static boolean enabled(JsonNode doc) {
        return !doc.path("provisioningStatus").asText("enabled").equals("disabled");
    }

    enum Attestation { X509, TPM, SYMMETRIC_KEY }

    /**
     * An enrollment as the device path sees it: the credential is the leaf certificate (X.509), the endorsement key
     * (TPM) or the primary key (symmetric key; for a group member, the key derived from the group key); {@code doc}
     * is the individual enrollment or the group, whose allocation, reprovision policy and initial twin apply.
     */
    record Enrollment(String registrationId, Attestation attestation, byte[] credential, Optional<String> deviceId,
                      ObjectNode doc, boolean enabled) {
        static Enrollment of(ObjectNode doc) {
            JsonNode a = doc.path("attestation");
            String id = doc.path("registrationId").asText();
            Optional<String> deviceId = text(doc, "deviceId").filter(d -> !d.isBlank());
            return switch (a.path("type").asText()) {
                case "tpm" -> new Enrollment(id, Attestation.TPM,
                        Base64.getDecoder().decode(a.path("tpm").path("endorsementKey").asText()), deviceId, doc,
                        DpsService.enabled(doc));
                case "symmetricKey" -> new Enrollment(id, Attestation.SYMMETRIC_KEY,
                        Base64.getDecoder().decode(a.path("symmetricKey").path("primaryKey").asText()), deviceId, doc,
                        DpsService.enabled(doc));
                default -> new Enrollment(id, Attestation.X509, X509Attestation.der(a.path("x509")
                        .path("clientCertificates").path("primary").path("certificate").asText()), deviceId, doc,
                        DpsService.enabled(doc));
            };
        }

        @Override
        public String toString() {
            return "Enrollment[" + registrationId + ", " + attestation + ", credential «masked»"
                    + (enabled ? "" : ", disabled") + "]";
        }
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
        String substatus = "initialAssignment";
        int errorCode;
        String errorMessage = "";
        Optional<String> hubHost = Optional.empty();
        Optional<String> deviceId = Optional.empty();
        Optional<JsonNode> payload = Optional.empty();
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
        Optional<CompletableFuture<Allocation.Outcome>> webhook = Optional.empty();

        OperationRecord(String operationId, String registrationId) {
            this.operationId = operationId;
            this.registrationId = registrationId;
        }
    }
}
