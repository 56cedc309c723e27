package dev.firstboot.service.dps.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.RegistrationId;
import dev.firstboot.pki.Certificates;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.dps.store.EnrollmentStore.Row;
import dev.firstboot.service.dps.store.EnrollmentStore.Table;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The enrollment service on an {@link EnrollmentStore}: checks documents, keeps etags and timestamps, and runs the CA
 * proof of possession. DPS reads enrollments and writes registration records through the same object.
 */
public final class StoreAdmin implements EnrollmentAdmin {
    public static final int NOT_FOUND = 404201;
    public static final int PRECONDITION_FAILED = 412002;
    public static final int METHOD_NOT_ALLOWED = 405001;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final EnrollmentStore store;
    private volatile Consumer<String> registrationDeleted = id -> { };

    public StoreAdmin(EnrollmentStore store) {
        this.store = store;
    }

    public EnrollmentStore store() {
        return store;
    }

    /** Told the registration id of every registration record the admin deletes (DPS forgets its own state too). */
    public void onRegistrationDeleted(Consumer<String> listener) {
        this.registrationDeleted = listener;
    }

    private static Table table(Collection c) {
        return switch (c) {
            case ENROLLMENTS -> Table.ENROLLMENTS;
            case ENROLLMENT_GROUPS -> Table.ENROLLMENT_GROUPS;
            case REGISTRATIONS -> Table.REGISTRATIONS;
        };
    }

    @Override
    public Optional<ObjectNode> get(Collection collection, String id) {
        return store.get(table(collection), RegistrationId.key(id)).map(StoreAdmin::doc);
    }

    @Override
    public synchronized ObjectNode put(Collection collection, String id, ObjectNode body, Optional<String> ifMatch)
            throws AdminError {
        if (collection == Collection.REGISTRATIONS) {
            throw new AdminError(405, METHOD_NOT_ALLOWED, "Method not allowed: devices create registration records by"
                    + " registering; the service API only reads and deletes them");
        }
        Table table = table(collection);
        Optional<Row> existing = store.get(table, RegistrationId.key(id));
        checkEtag(collection, id, existing, ifMatch);
        ObjectNode doc = body.deepCopy();
        Documents.Keys keys = collection == Collection.ENROLLMENTS ? Documents.individual(id, doc)
                : Documents.group(id, doc, this::verifiedThumbprint);
        Instant now = Instant.now();
        doc.put("etag", newEtag());
        doc.put("createdDateTimeUtc", existing.map(r -> doc(r).path("createdDateTimeUtc").asText(now.toString()))
                .orElse(now.toString()));
        doc.put("lastUpdatedDateTimeUtc", now.toString());
        store.put(table, new Row(RegistrationId.key(id), keys.kind(), keys.thumbprint(), doc.toString()));
        return doc;
    }

    /** Bulk load without etag checks (documents are checked as by {@link #put}): the fast path for large seeds. */
    public synchronized void putAll(Collection collection, List<ObjectNode> bodies) throws AdminError {
        if (collection == Collection.REGISTRATIONS) {
            throw new AdminError(405, METHOD_NOT_ALLOWED, "Method not allowed: registration records are not loaded");
        }
        Table table = table(collection);
        String now = Instant.now().toString();
        List<Row> rows = new ArrayList<>(bodies.size());
        for (int i = 0; i < bodies.size(); i++) {
            ObjectNode doc = bodies.get(i).deepCopy();
            String field = collection == Collection.ENROLLMENTS ? "registrationId" : "enrollmentGroupId";
            String id = doc.path(field).asText("");
            Documents.Keys keys;
            try {
                keys = collection == Collection.ENROLLMENTS ? Documents.individual(id, doc)
                        : Documents.group(id, doc, this::verifiedThumbprint);
            } catch (AdminError e) {
                throw new AdminError(e.httpStatus(), e.errorCode(), "document " + i + ": " + e.getMessage());
            }
            doc.put("etag", newEtag());
            doc.put("createdDateTimeUtc", now);
            doc.put("lastUpdatedDateTimeUtc", now);
            rows.add(new Row(RegistrationId.key(id), keys.kind(), keys.thumbprint(), doc.toString()));
        }
        store.putAll(table, rows);
    }

    @Override
    public synchronized void delete(Collection collection, String id, Optional<String> ifMatch) throws AdminError {
        Table table = table(collection);
        Optional<Row> existing = store.get(table, RegistrationId.key(id));
        if (existing.isEmpty()) {
            throw notFound(collection.path(), id);
        }
        checkEtag(collection, id, existing, ifMatch);
        store.delete(table, RegistrationId.key(id));
        if (collection == Collection.REGISTRATIONS) {
            registrationDeleted.accept(id);
        }
    }

    @Override
    public List<ObjectNode> query(Collection collection, int max, Optional<String> afterId) {
        return store.query(table(collection), max, afterId.map(RegistrationId::key)).stream().map(StoreAdmin::doc)
                .toList();
    }

    @Override
    public synchronized ObjectNode putCertificate(String name, String pem) throws AdminError {
        if (name == null || !name.matches("[A-Za-z0-9\\-._]{1,128}")) {
            throw Documents.bad("name", "a certificate name is 1 to 128 of A-Z a-z 0-9 - . _, got \"" + name + "\"");
        }
        byte[] der = Documents.derOf(pem == null ? "" : pem).orElseThrow(() -> Documents.bad("certificate",
                "expected a PEM (or base64 DER) X.509 certificate; the text given does not parse as one"));
        X509Certificate cert = parse(der);
        Instant now = Instant.now();
        ObjectNode doc = JSON.createObjectNode();
        doc.put("name", name);
        doc.put("etag", newEtag());
        ObjectNode p = doc.putObject("properties");
        p.put("subject", cert.getSubjectX500Principal().getName());
        p.put("expiry", cert.getNotAfter().toInstant().toString());
        p.put("thumbprint", sha1(der));
        p.put("isVerified", false);
        p.put("created", now.toString());
        p.put("updated", now.toString());
        p.put("certificate", Base64.getEncoder().encodeToString(der));
        store.put(Table.CERTIFICATES, new Row(name, "unverified", thumbprint(der), doc.toString()));
        return doc;
    }

    /** Seeds and fixtures: a CA certificate stored already verified (the proof was made elsewhere). */
    public synchronized ObjectNode putVerifiedCertificate(String name, String pem) throws AdminError {
        ObjectNode doc = putCertificate(name, pem);
        ((ObjectNode) doc.get("properties")).put("isVerified", true);
        Row row = store.get(Table.CERTIFICATES, name).orElseThrow();
        store.put(Table.CERTIFICATES, new Row(name, "verified", row.thumbprint(), doc.toString()));
        return doc;
    }

    @Override
    public Optional<ObjectNode> getCertificate(String name) {
        return store.get(Table.CERTIFICATES, name).map(StoreAdmin::doc);
    }

    @Override
    public synchronized ObjectNode generateVerificationCode(String name) throws AdminError {
        Row row = store.get(Table.CERTIFICATES, name).orElseThrow(() -> notFound("certificates", name));
        ObjectNode doc = doc(row);
        if (doc.path("properties").path("isVerified").asBoolean()) {
            throw new AdminError(400, Documents.BAD_REQUEST, "Bad request: certificate '" + name
                    + "' is already verified; no verification code is needed");
        }
        byte[] code = new byte[24];
        RANDOM.nextBytes(code);
        ObjectNode p = (ObjectNode) doc.get("properties");
        p.put("verificationCode", HexFormat.of().withUpperCase().formatHex(code));
        p.put("updated", Instant.now().toString());
        doc.put("etag", newEtag());
        store.put(Table.CERTIFICATES, new Row(name, row.kind(), row.thumbprint(), doc.toString()));
        return doc;
    }

    @Override
    public synchronized ObjectNode verifyCertificate(String name, String verificationPem) throws AdminError {
        Row row = store.get(Table.CERTIFICATES, name).orElseThrow(() -> notFound("certificates", name));
        ObjectNode doc = doc(row);
        ObjectNode p = (ObjectNode) doc.get("properties");
        String code = p.path("verificationCode").asText("");
        if (code.isEmpty()) {
            throw new AdminError(400, Documents.BAD_REQUEST, "Bad request: certificate '" + name
                    + "' has no verification code; call generateVerificationCode first");
        }
        byte[] der = Documents.derOf(verificationPem == null ? "" : verificationPem).orElseThrow(() ->
                Documents.bad("certificate", "expected the verification certificate as PEM; the text given does not"
                        + " parse as one"));
        X509Certificate proof = parse(der);
        X509Certificate ca = parse(Base64.getDecoder().decode(p.get("certificate").asText()));
        String cn = Certificates.commonName(proof).orElse("");
        if (!cn.equals(code)) {
            throw new AdminError(400, Documents.BAD_REQUEST, "Bad request: the verification certificate's CN is '" + cn
                    + "', expected the verification code " + code + "; issue a certificate with CN=" + code
                    + " signed by the CA's key");
        }
        try {
            proof.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new AdminError(400, Documents.BAD_REQUEST, "Bad request: the verification certificate is not signed"
                    + " by the key of certificate '" + name + "' (" + e.getClass().getSimpleName()
                    + "); sign it with the CA's private key");
        }
        try {
            proof.checkValidity();
        } catch (CertificateException e) {
            throw new AdminError(400, Documents.BAD_REQUEST, "Bad request: the verification certificate is outside its"
                    + " validity period (" + proof.getNotBefore().toInstant() + " to " + proof.getNotAfter().toInstant()
                    + ")");
        }
        p.put("isVerified", true);
        p.remove("verificationCode");
        p.put("updated", Instant.now().toString());
        doc.put("etag", newEtag());
        store.put(Table.CERTIFICATES, new Row(name, "verified", row.thumbprint(), doc.toString()));
        return doc;
    }

    @Override
    public synchronized void deleteCertificate(String name) throws AdminError {
        if (!store.delete(Table.CERTIFICATES, name)) {
            throw notFound("certificates", name);
        }
    }

    /** The SHA-256 thumbprint of a verified CA certificate, for a group's caReferences. */
    String verifiedThumbprint(String name) throws AdminError {
        Row row = store.get(Table.CERTIFICATES, name).orElseThrow(() -> Documents.bad(
                "attestation.x509.caReferences.primary", "no CA certificate named '" + name
                        + "'; upload it first (putCertificate), then prove possession"));
        if (!row.kind().equals("verified")) {
            throw Documents.bad("attestation.x509.caReferences.primary", "CA certificate '" + name
                    + "' is not verified; generate a verification code and verify it before referencing it");
        }
        return row.thumbprint();
    }

    // ---- the device path ----

    /** The individual enrollment of a registration id. */
    public Optional<ObjectNode> enrollment(String registrationId) {
        return get(Collection.ENROLLMENTS, registrationId);
    }

    /** X.509 enrollment groups on the CA certificate with these DER bytes (signingCertificates or caReferences). */
    public List<ObjectNode> groupsOnCa(byte[] caDer) {
        return store.byThumbprint(Table.ENROLLMENT_GROUPS, thumbprint(caDer)).stream().map(StoreAdmin::doc).toList();
    }

    /** Every enrollment group (the service allows 100), in id order. */
    public List<ObjectNode> groups() {
        return query(Collection.ENROLLMENT_GROUPS, 10_000, Optional.empty());
    }

    /** The CA certificate of an X.509 group (its signing certificate, or the certificate its caReference names). */
    public Optional<byte[]> groupCa(ObjectNode group) {
        JsonNode x = group.path("attestation").path("x509");
        if (x.has("signingCertificates")) {
            return Documents.derOf(x.path("signingCertificates").path("primary").path("certificate").asText(""));
        }
        String name = x.path("caReferences").path("primary").asText("");
        return getCertificate(name).filter(c -> c.path("properties").path("isVerified").asBoolean())
                .map(c -> Base64.getDecoder().decode(c.path("properties").path("certificate").asText()));
    }

    /** DPS writes the registration record (DeviceRegistrationState) of a device. */
    public void putRegistration(String registrationId, ObjectNode state) {
        store.put(Table.REGISTRATIONS, new Row(RegistrationId.key(registrationId),
                state.path("status").asText("unassigned"), "", state.toString()));
    }

    /** Forgets everything. */
    public void clear() {
        store.clear();
    }

    private void checkEtag(Collection collection, String id, Optional<Row> existing, Optional<String> ifMatch)
            throws AdminError {
        if (ifMatch.isEmpty()) {
            return;
        }
        String wanted = unquote(ifMatch.get());
        if (existing.isEmpty()) {
            if (wanted.equals("*")) {
                throw new AdminError(412, PRECONDITION_FAILED, "Precondition failed: If-Match: * but there is no "
                        + collection.path() + " document '" + id + "'; send no If-Match to create it");
            }
            throw new AdminError(412, PRECONDITION_FAILED, "Precondition failed: If-Match names an etag but there is no "
                    + collection.path() + " document '" + id + "'; send no If-Match to create it");
        }
        String stored = unquote(doc(existing.get()).path("etag").asText(""));
        if (!wanted.equals("*") && !wanted.equals(stored)) {
            throw new AdminError(412, PRECONDITION_FAILED, "Precondition failed: If-Match " + ifMatch.get()
                    + " is not the current etag of " + collection.path() + " document '" + id + "' ("
                    + stored + "); GET it again and retry with that etag");
        }
    }

    private static String unquote(String etag) {
        String t = etag.trim();
        if (t.startsWith("W/")) {
            t = t.substring(2);
        }
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
    }

    private static AdminError notFound(String collection, String id) {
        return new AdminError(404, NOT_FOUND, "Not found: no " + collection + " document '" + id + "'");
    }

    private static String newEtag() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return "\"" + HexFormat.of().formatHex(b) + "\"";
    }

    private static X509Certificate parse(byte[] der) throws AdminError {
        try {
            return Documents.parse(der);
        } catch (CertificateException e) {
            throw Documents.bad("certificate", "does not parse as an X.509 certificate");
        }
    }

    /** The thumbprint the store indexes certificates by: upper-case hex SHA-256 of the DER. */
    public static String thumbprint(byte[] der) {
        return Certificates.sha256Thumbprint(der);
    }

    private static String sha1(byte[] der) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK", e);
        }
    }

    private static ObjectNode doc(Row row) {
        try {
            return (ObjectNode) JSON.readTree(row.json());
        } catch (IOException e) {
            throw new IllegalStateException("the stored document '" + row.id() + "' is not JSON: " + e.getMessage(), e);
        }
    }
}
