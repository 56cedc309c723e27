package dev.firstboot.service.dps.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.RegistrationId;
import dev.firstboot.service.dps.admin.EnrollmentAdmin.AdminError;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

/**
 * Checks enrollment documents against the real service's shapes (api-version 2021-10-01) and fills the defaults the
 * real service fills. Every refusal is a 400 that names the field, what was expected, what was seen.
 */
final class Documents {
    static final int BAD_REQUEST = 400004;
    private static final Set<String> ALLOCATION = Set.of("hashed", "geoLatency", "static", "custom");
    private static final Set<String> STATUS = Set.of("enabled", "disabled");
    private static final Set<String> ENROLLMENT_FIELDS = Set.of("registrationId", "deviceId", "attestation",
            "iotHubHostName", "initialTwin", "etag", "provisioningStatus", "createdDateTimeUtc",
            "lastUpdatedDateTimeUtc", "allocationPolicy", "iotHubs", "customAllocationDefinition",
            "reprovisionPolicy", "capabilities", "registrationState", "optionalDeviceInformation");
    private static final Set<String> GROUP_FIELDS = Set.of("enrollmentGroupId", "attestation", "iotHubHostName",
            "initialTwin", "etag", "provisioningStatus", "createdDateTimeUtc", "lastUpdatedDateTimeUtc",
            "allocationPolicy", "iotHubs", "customAllocationDefinition", "reprovisionPolicy", "capabilities");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Documents() {
    }

    /** What a checked enrollment is found by: its attestation type and the thumbprint of its certificate, if any. */
    record Keys(String kind, String thumbprint) {
    }

    /** Resolves a caReference to the thumbprint of a verified CA certificate, or refuses. */
    interface CaResolver {
        String verifiedThumbprint(String name) throws AdminError;
    }

    static Keys individual(String id, ObjectNode doc) throws AdminError {
        requireId(doc, "registrationId", id);
        unknownFields(doc, ENROLLMENT_FIELDS, "an individual enrollment");
        optionalText(doc, "deviceId");
        Keys keys = attestation(doc, false, name -> {
            throw bad("attestation.x509.caReferences", "an individual enrollment names its device certificate in"
                    + " clientCertificates; caReferences is for enrollment groups");
        });
        common(doc);
        return keys;
    }

    static Keys group(String id, ObjectNode doc, CaResolver cas) throws AdminError {
        requireId(doc, "enrollmentGroupId", id);
        unknownFields(doc, GROUP_FIELDS, "an enrollment group");
        Keys keys = attestation(doc, true, cas);
        if (keys.kind().equals("tpm")) {
            throw bad("attestation.type", "enrollment groups take x509 or symmetricKey attestation, not tpm;"
                    + " enroll a TPM device individually");
        }
        common(doc);
        return keys;
    }

    private static void requireId(ObjectNode doc, String field, String id) throws AdminError {
        Optional<String> problem = RegistrationId.problem("the id", id);
        if (problem.isPresent()) {
            throw bad(field, problem.get());
        }
        JsonNode given = doc.get(field);
        if (given != null && !(given.isTextual() && RegistrationId.same(given.asText(), id))) {
            throw bad(field, "the body says " + given + " but the path says \"" + id + "\"; make them agree");
        }
        doc.put(field, id);
    }

    private static void unknownFields(ObjectNode doc, Set<String> known, String what) throws AdminError {
        for (Iterator<String> it = doc.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw bad(f, "not a field of " + what + " (api-version 2021-10-01); check the spelling");
            }
        }
    }

    private static Keys attestation(ObjectNode doc, boolean group, CaResolver cas) throws AdminError {
        JsonNode a = doc.get("attestation");
        if (a == null || !a.isObject()) {
            throw bad("attestation", "expected an object like {\"type\":\"symmetricKey\",\"symmetricKey\":{}}");
        }
        String type = text(a, "type", "attestation.type", "x509, tpm or symmetricKey");
        switch (type) {
            case "x509" -> {
                JsonNode x = object(a, "x509", "attestation.x509");
                if (!group) {
                    byte[] leaf = certificate(x, "clientCertificates", "attestation.x509.clientCertificates");
                    return new Keys("x509", StoreAdmin.thumbprint(leaf));
                }
                if (x.has("caReferences")) {
                    JsonNode ref = object(x, "caReferences", "attestation.x509.caReferences");
                    String name = text(ref, "primary", "attestation.x509.caReferences.primary",
                            "the name of a verified CA certificate");
                    return new Keys("x509", cas.verifiedThumbprint(name));
                }
                byte[] ca = certificate(x, "signingCertificates", "attestation.x509.signingCertificates");
                return new Keys("x509", StoreAdmin.thumbprint(ca));
            }
            case "tpm" -> {
                if (group) {
                    return new Keys("tpm", "");
                }
                JsonNode t = object(a, "tpm", "attestation.tpm");
                base64(t, "endorsementKey", "attestation.tpm.endorsementKey", true);
                base64(t, "storageRootKey", "attestation.tpm.storageRootKey", false);
                return new Keys("tpm", "");
            }
            case "symmetricKey" -> {
                ObjectNode s = a.has("symmetricKey") ? (ObjectNode) object(a, "symmetricKey",
                        "attestation.symmetricKey") : ((ObjectNode) a).putObject("symmetricKey");
                key(s, "primaryKey");
                key(s, "secondaryKey");
                return new Keys("symmetricKey", "");
            }
            default -> throw bad("attestation.type", "expected x509, tpm or symmetricKey, got \"" + type + "\"");
        }
    }

    /** The real service makes keys the caller leaves out; given keys must be base64 of 16 to 64 bytes. */
    private static void key(ObjectNode s, String field) throws AdminError {
        JsonNode k = s.get(field);
        if (k == null || k.isNull()) {
            byte[] fresh = new byte[64];
            RANDOM.nextBytes(fresh);
            s.put(field, Base64.getEncoder().encodeToString(fresh));
            return;
        }
        byte[] raw = base64(s, field, "attestation.symmetricKey." + field, true);
        if (raw.length < 16 || raw.length > 64) {
            throw bad("attestation.symmetricKey." + field, "expected base64 of 16 to 64 bytes, got "
                    + raw.length + " bytes");
        }
    }

    private static byte[] certificate(JsonNode x, String field, String path) throws AdminError {
        JsonNode certs = object(x, field, path);
        JsonNode primary = object(certs, "primary", path + ".primary");
        String text = text(primary, "certificate", path + ".primary.certificate", "a PEM or base64 DER certificate");
        byte[] der = derOf(text).orElseThrow(() -> bad(path + ".primary.certificate",
                "expected a PEM or base64 DER X.509 certificate, got text that does not parse as one"));
        if (certs.has("secondary")) {
            JsonNode secondary = object(certs, "secondary", path + ".secondary");
            String s = text(secondary, "certificate", path + ".secondary.certificate", "a PEM or base64 DER certificate");
            derOf(s).orElseThrow(() -> bad(path + ".secondary.certificate",
                    "expected a PEM or base64 DER X.509 certificate"));
        }
        return der;
    }

    /** DER from PEM or bare base64, if it parses as an X.509 certificate. */
    static java.util.Optional<byte[]> derOf(String text) {
        String body = text.replaceAll("-----(BEGIN|END) CERTIFICATE-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(body);
            parse(der);
            return java.util.Optional.of(der);
        } catch (IllegalArgumentException | CertificateException e) {
            return java.util.Optional.empty();
        }
    }

    static X509Certificate parse(byte[] der) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    static String pem(byte[] der) {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END CERTIFICATE-----\n";
    }

    private static void common(ObjectNode doc) throws AdminError {
        String status = doc.has("provisioningStatus") ? text(doc, "provisioningStatus", "provisioningStatus",
                "enabled or disabled") : "enabled";
        if (!STATUS.contains(status)) {
            throw bad("provisioningStatus", "expected enabled or disabled, got \"" + status + "\"");
        }
        doc.put("provisioningStatus", status);
        optionalText(doc, "iotHubHostName");
        ArrayNode hubs;
        if (doc.has("iotHubs") && !doc.get("iotHubs").isNull()) {
            if (!doc.get("iotHubs").isArray()) {
                throw bad("iotHubs", "expected a list of linked IoT hub host names");
            }
            hubs = (ArrayNode) doc.get("iotHubs");
            for (JsonNode h : hubs) {
                if (!h.isTextual() || h.asText().isBlank()) {
                    throw bad("iotHubs", "expected host names, got " + h);
                }
            }
        } else {
            hubs = doc.putArray("iotHubs");
        }
        String policy = doc.has("allocationPolicy") ? text(doc, "allocationPolicy", "allocationPolicy",
                "hashed, geoLatency, static or custom") : "hashed";
        if (!ALLOCATION.contains(policy)) {
            throw bad("allocationPolicy", "expected hashed, geoLatency, static or custom, got \"" + policy + "\"");
        }
        doc.put("allocationPolicy", policy);
        if (policy.equals("static") && hubs.size() != 1 && !doc.hasNonNull("iotHubHostName")) {
            throw bad("iotHubs", "static allocation needs exactly one hub in iotHubs (or iotHubHostName), got "
                    + hubs.size());
        }
        if (policy.equals("custom")) {
            JsonNode c = object(doc, "customAllocationDefinition", "customAllocationDefinition");
            String url = text(c, "webhookUrl", "customAllocationDefinition.webhookUrl", "an http(s) URL");
            try {
                URI u = URI.create(url);
                if (u.getScheme() == null || !(u.getScheme().equals("https") || u.getScheme().equals("http"))
                        || u.getHost() == null) {
                    throw bad("customAllocationDefinition.webhookUrl", "expected an http(s) URL, got \"" + url + "\"");
                }
            } catch (IllegalArgumentException e) {
                throw bad("customAllocationDefinition.webhookUrl", "expected an http(s) URL, got \"" + url + "\"");
            }
            text(c, "apiVersion", "customAllocationDefinition.apiVersion", "an api-version like 2021-10-01");
        } else if (doc.has("customAllocationDefinition") && !doc.get("customAllocationDefinition").isNull()
                && !doc.get("customAllocationDefinition").isObject()) {
            throw bad("customAllocationDefinition", "expected an object {webhookUrl, apiVersion}");
        }
        if (doc.has("initialTwin") && !doc.get("initialTwin").isNull()) {
            JsonNode t = object(doc, "initialTwin", "initialTwin");
            if (t.has("tags") && !t.get("tags").isObject() && !t.get("tags").isNull()) {
                throw bad("initialTwin.tags", "expected an object");
            }
            if (t.has("properties")) {
                JsonNode p = object(t, "properties", "initialTwin.properties");
                if (p.has("desired") && !p.get("desired").isObject()) {
                    throw bad("initialTwin.properties.desired", "expected an object");
                }
            }
        }
        ObjectNode reprovision = doc.has("reprovisionPolicy") && !doc.get("reprovisionPolicy").isNull()
                ? (ObjectNode) object(doc, "reprovisionPolicy", "reprovisionPolicy")
                : doc.putObject("reprovisionPolicy");
        for (String f : new String[]{"updateHubAssignment", "migrateDeviceData"}) {
            JsonNode b = reprovision.get(f);
            if (b == null || b.isNull()) {
                reprovision.put(f, true);
            } else if (!b.isBoolean()) {
                throw bad("reprovisionPolicy." + f, "expected true or false, got " + b);
            }
        }
        if (doc.has("capabilities") && !doc.get("capabilities").isNull()) {
            JsonNode c = object(doc, "capabilities", "capabilities");
            if (c.has("iotEdge") && !c.get("iotEdge").isBoolean()) {
                throw bad("capabilities.iotEdge", "expected true or false");
            }
        } else {
            doc.putObject("capabilities").put("iotEdge", false);
        }
    }

    private static JsonNode object(JsonNode parent, String field, String path) throws AdminError {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) {
            throw bad(path, n == null ? "missing; expected an object" : "expected an object, got " + kind(n));
        }
        return n;
    }

    private static String text(JsonNode parent, String field, String path, String expected) throws AdminError {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw bad(path, (n == null ? "missing" : "got " + kind(n)) + "; expected " + expected);
        }
        return n.asText();
    }

    private static void optionalText(JsonNode parent, String field) throws AdminError {
        JsonNode n = parent.get(field);
        if (n != null && !n.isNull() && !n.isTextual()) {
            throw bad(field, "expected text, got " + kind(n));
        }
    }

    private static byte[] base64(JsonNode parent, String field, String path, boolean required) throws AdminError {
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw bad(path, "missing; expected base64");
            }
            return new byte[0];
        }
        if (!n.isTextual()) {
            throw bad(path, "expected base64 text, got " + kind(n));
        }
        try {
            return Base64.getDecoder().decode(n.asText());
        } catch (IllegalArgumentException e) {
            throw bad(path, "expected base64, got text that does not decode");
        }
    }

    /** The JSON type of a node, never its value: a wrong-typed field may hold a key. */
    private static String kind(JsonNode n) {
        return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    static AdminError bad(String field, String why) {
        return new AdminError(400, BAD_REQUEST, "Bad request: " + field + ": " + why);
    }
}
