package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.RegistrationId;
import dev.firstboot.service.dps.admin.EnrollmentAdmin.AdminError;
import dev.firstboot.service.dps.admin.EnrollmentAdmin.Collection;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The service API's rules between the wire and {@link EnrollmentAdmin}: authentication, api-version, ids, bodies,
 * methods, paging, and errors in the real service's shape ({@code errorCode, trackingId, message, timestampUtc}).
 * Knows nothing of HTTP framing or sockets.
 */
final class AdminService {
    /** Versions the real service and its SDKs use: the Java service SDK 2.0.3 sends 2019-03-31, Node 2021-10-01. */
    static final Set<String> API_VERSIONS = Set.of("2018-04-01", "2019-03-31", "2021-06-01", "2021-10-01");

    static final int BAD_REQUEST = 400004;
    static final int UNAUTHORIZED = 401002;
    static final int NOT_FOUND = 404001;
    /** Our choices for "no such document" per collection (the real codes were not found in any source). */
    static final int ENROLLMENT_NOT_FOUND = 404201;
    static final int GROUP_NOT_FOUND = 404202;
    static final int REGISTRATION_NOT_FOUND = 404203;
    static final int CERTIFICATE_NOT_FOUND = 404204;
    static final int METHOD_NOT_ALLOWED = 405001;
    static final int TOO_MANY_REQUESTS = 429001;
    static final int INTERNAL_ERROR = 500001;

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;
    private static final Pattern CERTIFICATE_NAME = Pattern.compile("[A-Za-z0-9._\\-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EnrollmentAdmin admin;
    private final ServiceSas sas;

    AdminService(EnrollmentAdmin admin, ServiceSas sas) {
        this.admin = admin;
        this.sas = sas;
    }

    AdminResponse answer(AdminCall call, Instant now) {
        if (sas.verify(call.authorization(), now) instanceof ServiceSas.Refused refused) {
            return error(401, UNAUTHORIZED, "Unauthorized: " + refused.reason());
        }
        if (call.route().apiVersion().isEmpty()) {
            return error(400, BAD_REQUEST, "The api-version query parameter is missing; add ?api-version=2021-10-01"
                    + " (supported: " + API_VERSIONS.stream().sorted().toList() + ")");
        }
        if (!API_VERSIONS.contains(call.route().apiVersion().get())) {
            return error(400, BAD_REQUEST, "api-version '" + call.route().apiVersion().get() + "' is not supported;"
                    + " use one of " + API_VERSIONS.stream().sorted().toList());
        }
        try {
            return route(call);
        } catch (AdminError e) {
            return error(e.httpStatus(), e.errorCode(), e.getMessage());
        } catch (Refusal r) {
            return r.response;
        }
    }

    private AdminResponse route(AdminCall call) throws AdminError, Refusal {
        AdminRoute route = call.route();
        String method = call.method();
        return switch (route.target()) {
            case UNKNOWN -> error(404, NOT_FOUND, "There is no service API at " + route.path()
                    + "; the service API has /enrollments/{id}, /enrollmentGroups/{id}, /registrations/{id},"
                    + " their /query, and /certificates/{name}");
            case BULK -> error(400, BAD_REQUEST, "Bulk enrollment operations (" + method + " /enrollments) are not"
                    + " emulated; create each enrollment with PUT /enrollments/{registrationId}");
            case DOCUMENT -> document(call);
            case ATTESTATION -> {
                allow(method, "POST");
                String id = validId(route);
                ObjectNode doc = admin.get(route.collection(), id).orElseThrow(() -> notFound(route.collection(), id));
                JsonNode attestation = doc.get("attestation");
                yield ok(attestation == null ? JSON.createObjectNode() : attestation, Map.of());
            }
            case QUERY -> {
                allow(method, "POST");
                yield query(call, route.collection());
            }
            case GROUP_REGISTRATIONS -> {
                allow(method, "POST");
                requireQuerySpec(call);
                yield groupRegistrations(call, validId(route));
            }
            case CERTIFICATE -> certificate(call);
            case VERIFICATION_CODE -> {
                allow(method, "POST");
                yield ok(admin.generateVerificationCode(certificateName(route)), Map.of());
            }
            case VERIFY -> {
                allow(method, "POST");
                String name = certificateName(route);
                yield ok(admin.verifyCertificate(name, pemField(call)), Map.of());
            }
        };
    }

    private AdminResponse document(AdminCall call) throws AdminError, Refusal {
        AdminRoute route = call.route();
        Collection collection = route.collection();
        String id = validId(route);
        switch (call.method()) {
            case "GET" -> {
                ObjectNode doc = admin.get(collection, id).orElseThrow(() -> notFound(collection, id));
                return ok(doc, etag(doc));
            }
            case "PUT" -> {
                if (collection == Collection.REGISTRATIONS) {
                    throw new Refusal(methodNotAllowed("GET, DELETE", "PUT", "registrations are created by devices"
                            + " registering, not by the service API"));
                }
                ObjectNode body = object(call.body());
                String idField = collection == Collection.ENROLLMENTS ? "registrationId" : "enrollmentGroupId";
                JsonNode bodyId = body.get(idField);
                if (bodyId == null || bodyId.isNull()) {
                    body.put(idField, id);
                } else if (!bodyId.isTextual() || !bodyId.asText().equals(id)) {
                    throw new Refusal(error(400, BAD_REQUEST, "The body's " + idField + " " + bodyId
                            + " differs from the id in the path '" + id + "'; make them equal"));
                }
                ObjectNode stored = admin.put(collection, id, body, call.ifMatch());
                return ok(stored, etag(stored));
            }
            case "DELETE" -> {
                admin.delete(collection, id, call.ifMatch());
                return new AdminResponse(204, Optional.empty(), Map.of(), Optional.empty());
            }
            default -> throw new Refusal(methodNotAllowed(collection == Collection.REGISTRATIONS ? "GET, DELETE"
                    : "GET, PUT, DELETE", call.method(), "/" + collection.path() + "/{id}"));
        }
    }

    private AdminResponse certificate(AdminCall call) throws AdminError, Refusal {
        String name = certificateName(call.route());
        switch (call.method()) {
            case "GET" -> {
                return ok(admin.getCertificate(name).orElseThrow(() -> new Refusal(error(404, CERTIFICATE_NOT_FOUND,
                        "No CA certificate named '" + name + "'; upload it with PUT /certificates/" + name))),
                        Map.of());
            }
            case "PUT" -> {
                return ok(admin.putCertificate(name, pemField(call)), Map.of());
            }
            case "DELETE" -> {
                admin.deleteCertificate(name);
                return new AdminResponse(204, Optional.empty(), Map.of(), Optional.empty());
            }
            default -> throw new Refusal(methodNotAllowed("GET, PUT, DELETE", call.method(), "/certificates/{name}"));
        }
    }

    private AdminResponse query(AdminCall call, Collection collection) throws Refusal {
        requireQuerySpec(call);
        int max = pageSize(call.maxItemCount());
        Optional<String> after = continuation(call.continuation());
        List<ObjectNode> page = admin.query(collection, max + 1, after);
        return page(page, max, itemType(collection), idField(collection));
    }

    /** The query text is not interpreted: every query returns the whole collection, in id order. */
    private static void requireQuerySpec(AdminCall call) throws Refusal {
        ObjectNode spec = object(call.body());
        JsonNode q = spec.get("query");
        if (q == null || !q.isTextual() || q.asText().isBlank()) {
            throw new Refusal(error(400, BAD_REQUEST, "The query body must be a JSON object with a \"query\" text,"
                    + " e.g. {\"query\":\"SELECT * FROM enrollments\"}"));
        }
    }

    private AdminResponse groupRegistrations(AdminCall call, String groupId) throws Refusal {
        int max = pageSize(call.maxItemCount());
        Optional<String> after = continuation(call.continuation());
        List<ObjectNode> matching = new ArrayList<>();
        while (matching.size() <= max) {
            List<ObjectNode> batch = admin.query(Collection.REGISTRATIONS, MAX_PAGE, after);
            for (ObjectNode r : batch) {
                JsonNode g = r.get("enrollmentGroupId");
                if (g != null && groupId.equals(g.asText())) {
                    matching.add(r);
                }
            }
            if (batch.size() < MAX_PAGE) {
                break;
            }
            after = Optional.of(batch.get(batch.size() - 1).path("registrationId").asText());
        }
        return page(matching, max, "deviceRegistration", "registrationId");
    }

    private static AdminResponse page(List<ObjectNode> items, int max, String itemType, String idField) {
        ArrayNode array = JSON.createArrayNode();
        items.stream().limit(max).forEach(array::add);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-ms-item-type", itemType);
        if (items.size() > max) {
            String lastId = items.get(max - 1).path(idField).asText();
            headers.put("x-ms-continuation", Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(lastId.getBytes(StandardCharsets.UTF_8)));
        }
        return new AdminResponse(200, Optional.of(array), headers, Optional.empty());
    }

    private static int pageSize(Optional<String> header) throws Refusal {
        if (header.isEmpty()) {
            return DEFAULT_PAGE;
        }
        try {
            int n = Integer.parseInt(header.get().trim());
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Refusal(error(400, BAD_REQUEST, "x-ms-max-item-count '" + header.get() + "' is not a number from"
                + " 1 to " + MAX_PAGE));
    }

    private static Optional<String> continuation(Optional<String> header) throws Refusal {
        if (header.isEmpty() || header.get().isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new String(Base64.getUrlDecoder().decode(header.get().trim()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new Refusal(error(400, BAD_REQUEST, "x-ms-continuation is not a token this service gave; repeat"
                    + " the query without it to start from the first page"));
        }
    }

    private static String itemType(Collection c) {
        return switch (c) {
            case ENROLLMENTS -> "enrollment";
            case ENROLLMENT_GROUPS -> "enrollmentGroup";
            case REGISTRATIONS -> "deviceRegistration";
        };
    }

    private static String idField(Collection c) {
        return c == Collection.ENROLLMENT_GROUPS ? "enrollmentGroupId" : "registrationId";
    }

    private static String validId(AdminRoute route) throws Refusal {
        String what = route.collection() == Collection.ENROLLMENT_GROUPS ? "the enrollment group id"
                : "the registration id";
        Optional<String> problem = RegistrationId.problem(what, route.id());
        if (problem.isPresent()) {
            throw new Refusal(error(400, BAD_REQUEST, "Invalid id: " + problem.get()));
        }
        return route.id();
    }

    private static String certificateName(AdminRoute route) throws Refusal {
        if (!CERTIFICATE_NAME.matcher(route.id()).matches()) {
            throw new Refusal(error(400, BAD_REQUEST, "The certificate name '" + abbreviate(route.id())
                    + "' is not valid: use 1 to 64 letters, digits and . _ -"));
        }
        return route.id();
    }

    private static String pemField(AdminCall call) throws Refusal {
        JsonNode pem = object(call.body()).get("certificate");
        if (pem == null || !pem.isTextual() || pem.asText().isBlank()) {
            throw new Refusal(error(400, BAD_REQUEST, "The body must be {\"certificate\": \"<PEM>\"}"));
        }
        return pem.asText();
    }

    private static ObjectNode object(byte[] body) throws Refusal {
        JsonNode node;
        try {
            node = body.length == 0 ? null : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            // Jackson's own message may quote the body, which can hold keys: say only where it broke.
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new Refusal(error(400, BAD_REQUEST, "The body is not valid JSON (it breaks" + where
                    + "); send a JSON object"));
        } catch (java.io.IOException e) {
            throw new Refusal(error(400, BAD_REQUEST, "The body could not be read as JSON; send a JSON object"));
        }
        if (!(node instanceof ObjectNode object)) {
            throw new Refusal(error(400, BAD_REQUEST, "The body must be a JSON object, was "
                    + (node == null ? "empty" : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT))));
        }
        return object;
    }

    private static void allow(String method, String allowed) throws Refusal {
        if (!method.equals(allowed)) {
            throw new Refusal(methodNotAllowed(allowed, method, "this resource"));
        }
    }

    private static AdminResponse methodNotAllowed(String allowed, String method, String what) {
        AdminResponse e = error(405, METHOD_NOT_ALLOWED, "Method " + method + " is not allowed on " + what
                + "; use " + allowed);
        Map<String, String> headers = new LinkedHashMap<>(e.headers());
        headers.put("Allow", allowed);
        return new AdminResponse(e.status(), e.body(), headers, e.errorCode());
    }

    private static Refusal notFound(Collection c, String id) {
        return switch (c) {
            case ENROLLMENTS -> new Refusal(error(404, ENROLLMENT_NOT_FOUND, "No individual enrollment with"
                    + " registration id '" + id + "'"));
            case ENROLLMENT_GROUPS -> new Refusal(error(404, GROUP_NOT_FOUND, "No enrollment group with id '"
                    + id + "'"));
            case REGISTRATIONS -> new Refusal(error(404, REGISTRATION_NOT_FOUND, "No device registration with"
                    + " registration id '" + id + "'"));
        };
    }

    private static Map<String, String> etag(ObjectNode doc) {
        JsonNode etag = doc.get("etag");
        return etag != null && etag.isTextual() ? Map.of("ETag", etag.asText()) : Map.of();
    }

    private static AdminResponse ok(JsonNode body, Map<String, String> headers) {
        return new AdminResponse(200, Optional.of(body), headers, Optional.empty());
    }

    /** An error in the real service's shape, with {@code x-ms-error-code}. */
    static AdminResponse error(int status, int errorCode, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("errorCode", errorCode);
        body.put("trackingId", UUID.randomUUID().toString());
        body.put("message", message);
        body.put("timestampUtc", Instant.now().toString());
        return new AdminResponse(status, Optional.of(body), Map.of("x-ms-error-code", Integer.toString(errorCode)),
                Optional.of(errorCode));
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    /** A refusal decided while routing; carries the finished response. */
    private static final class Refusal extends Exception {
        final AdminResponse response;

        Refusal(AdminResponse response) {
            super(null, null, false, false);
            this.response = response;
        }
    }
}
