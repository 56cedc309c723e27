package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.Certificates;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A map-backed {@link EnrollmentAdmin} for the REST front's tests, until the H2 store lands: documents stored as
 * given plus etag and timestamps, If-Match checked, certificates verified by proof of possession.
 */
final class InMemoryEnrollmentAdmin implements EnrollmentAdmin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<Collection, TreeMap<String, ObjectNode>> docs = new EnumMap<>(Collection.class);
    private final Map<String, Cert> certificates = new ConcurrentHashMap<>();

    private record Cert(String pem, X509Certificate certificate, Optional<String> code, boolean verified,
                        Instant created) {
    }

    InMemoryEnrollmentAdmin() {
        for (Collection c : Collection.values()) {
            docs.put(c, new TreeMap<>());
        }
    }

    /** Stores a registration state, as a device registering would. */
    synchronized void putRegistration(String id, ObjectNode state) {
        ObjectNode copy = state.deepCopy();
        copy.put("etag", etag());
        docs.get(Collection.REGISTRATIONS).put(id, copy);
    }

    @Override
    public synchronized Optional<ObjectNode> get(Collection collection, String id) {
        return Optional.ofNullable(docs.get(collection).get(id)).map(ObjectNode::deepCopy);
    }

    @Override
    public synchronized ObjectNode put(Collection collection, String id, ObjectNode body, Optional<String> ifMatch)
            throws AdminError {
        if (collection == Collection.REGISTRATIONS) {
            throw new AdminError(405, 405001, "registrations are created by devices");
        }
        ObjectNode existing = docs.get(collection).get(id);
        checkIfMatch(existing, ifMatch, id);
        ObjectNode stored = body.deepCopy();
        String now = Instant.now().toString();
        stored.put("etag", etag());
        stored.put("createdDateTimeUtc", existing == null ? now : existing.path("createdDateTimeUtc").asText(now));
        stored.put("lastUpdatedDateTimeUtc", now);
        if (!stored.has("provisioningStatus")) {
            stored.put("provisioningStatus", "enabled");
        }
        docs.get(collection).put(id, stored);
        return stored.deepCopy();
    }

    @Override
    public synchronized void delete(Collection collection, String id, Optional<String> ifMatch) throws AdminError {
        ObjectNode existing = docs.get(collection).get(id);
        if (existing == null) {
            throw new AdminError(404, 404201, "no " + collection.path() + " document '" + id + "'");
        }
        checkIfMatch(existing, ifMatch, id);
        docs.get(collection).remove(id);
    }

    @Override
    public synchronized List<ObjectNode> query(Collection collection, int max, Optional<String> afterId) {
        var map = afterId.isPresent() ? docs.get(collection).tailMap(afterId.get(), false) : docs.get(collection);
        return map.values().stream().limit(max).map(ObjectNode::deepCopy).toList();
    }

    @Override
    public ObjectNode putCertificate(String name, String pem) throws AdminError {
        X509Certificate cert = parse(pem, "the CA certificate");
        certificates.put(name, new Cert(pem, cert, Optional.empty(), false, Instant.now()));
        return certificateDoc(name, certificates.get(name));
    }

    @Override
    public Optional<ObjectNode> getCertificate(String name) {
        return Optional.ofNullable(certificates.get(name)).map(c -> certificateDoc(name, c));
    }

    @Override
    public ObjectNode generateVerificationCode(String name) throws AdminError {
        Cert c = certificates.get(name);
        if (c == null) {
            throw new AdminError(404, 404204, "no certificate '" + name + "'");
        }
        String code = HexFormat.of().formatHex(randomBytes(16)).toUpperCase();
        Cert updated = new Cert(c.pem(), c.certificate(), Optional.of(code), c.verified(), c.created());
        certificates.put(name, updated);
        ObjectNode doc = certificateDoc(name, updated);
        doc.with("properties").put("verificationCode", code);
        return doc;
    }

    @Override
    public ObjectNode verifyCertificate(String name, String verificationPem) throws AdminError {
        Cert c = certificates.get(name);
        if (c == null) {
            throw new AdminError(404, 404204, "no certificate '" + name + "'");
        }
        if (c.code().isEmpty()) {
            throw new AdminError(400, 400004, "generate a verification code first");
        }
        X509Certificate proof = parse(verificationPem, "the verification certificate");
        if (!Certificates.commonName(proof).orElse("").equals(c.code().get())) {
            throw new AdminError(400, 400004, "the verification certificate's CN is not the verification code");
        }
        try {
            proof.verify(c.certificate().getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new AdminError(400, 400004, "the verification certificate is not signed by the CA's key");
        }
        Cert verified = new Cert(c.pem(), c.certificate(), Optional.empty(), true, c.created());
        certificates.put(name, verified);
        return certificateDoc(name, verified);
    }

    @Override
    public void deleteCertificate(String name) throws AdminError {
        if (certificates.remove(name) == null) {
            throw new AdminError(404, 404204, "no certificate '" + name + "'");
        }
    }

    private static void checkIfMatch(ObjectNode existing, Optional<String> ifMatch, String id) throws AdminError {
        if (ifMatch.isEmpty()) {
            return;
        }
        if (existing == null || !(ifMatch.get().equals("*") || ifMatch.get().equals(existing.path("etag").asText()))) {
            throw new AdminError(412, 412002, "the etag of '" + id + "' does not match If-Match; read it again");
        }
    }

    private static ObjectNode certificateDoc(String name, Cert c) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("name", name);
        ObjectNode props = doc.putObject("properties");
        props.put("subject", c.certificate().getSubjectX500Principal().getName());
        props.put("isVerified", c.verified());
        props.put("created", c.created().toString());
        return doc;
    }

    private static X509Certificate parse(String pem, String what) throws AdminError {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new AdminError(400, 400004, what + " is not a PEM X.509 certificate");
        }
    }

    private static String etag() {
        return "\"" + UUID.randomUUID() + "\"";
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
