package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import dev.firstboot.service.dps.store.StoreAdmin;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Loads enrollments from YAML into a DPS, each document through the enrollment admin exactly as the service API would
 * take it:
 * <pre>
 * certificates:              # CA certificates for caReferences; stored verified unless verified: false
 *   - name: fleet-root
 *     file: fleet-root.pem   # or certificate: "-----BEGIN CERTIFICATE-----..."
 * enrollmentGroups:          # EnrollmentGroup JSON shapes, in YAML
 *   - enrollmentGroupId: fleet
 *     attestation: {type: x509, x509: {caReferences: {primary: fleet-root}}}
 * enrollments:               # IndividualEnrollment JSON shapes
 *   - registrationId: dev-001
 *     attestation: {type: symmetricKey, symmetricKey: {primaryKey: "..."}}
 * </pre>
 * Certificates load first, then groups, then enrollments. A bad entry stops the load with the file, the list, the
 * entry index and what to fix.
 */
public final class EnrollmentSeed {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TOP = Set.of("certificates", "enrollmentGroups", "enrollments");

    private EnrollmentSeed() {
    }

    /** A seed file that cannot be loaded; the message names the file and the entry. */
    public static final class SeedException extends Exception {
        SeedException(String message) {
            super(message, null, false, false);
        }
    }

    /** How many documents of each list were loaded. */
    public record Loaded(int certificates, int enrollmentGroups, int enrollments) {
    }

    public static Loaded load(Path file, StoreAdmin admin) throws SeedException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SeedException("seed " + file + ": cannot be read (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + "); check the path in the backend's seed setting");
        }
        Object parsed;
        try {
            parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (org.yaml.snakeyaml.error.MarkedYAMLException e) {
            // The problem and its line only: the offending text may hold a key.
            throw new SeedException("seed " + file + ": not valid YAML at line "
                    + (e.getProblemMark() == null ? "?" : e.getProblemMark().getLine() + 1) + ": " + e.getProblem());
        } catch (YAMLException e) {
            throw new SeedException("seed " + file + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        if (parsed == null) {
            return new Loaded(0, 0, 0);
        }
        if (!(parsed instanceof Map<?, ?>)) {
            throw new SeedException("seed " + file + ": expected a map with certificates:, enrollmentGroups: and"
                    + " enrollments: lists, got a " + kind(parsed));
        }
        JsonNode root = JSON.valueToTree(parsed);
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP.contains(key)) {
                throw new SeedException("seed " + file + ": unknown key '" + key + "'; expected certificates,"
                        + " enrollmentGroups or enrollments");
            }
        }
        int certificates = 0;
        for (JsonNode entry : list(file, root, "certificates")) {
            certificate(file, certificates, entry, admin);
            certificates++;
        }
        int groups = 0;
        for (JsonNode entry : list(file, root, "enrollmentGroups")) {
            put(file, "enrollmentGroups", groups, entry, "enrollmentGroupId",
                    EnrollmentAdmin.Collection.ENROLLMENT_GROUPS, admin);
            groups++;
        }
        int enrollments = 0;
        for (JsonNode entry : list(file, root, "enrollments")) {
            put(file, "enrollments", enrollments, entry, "registrationId", EnrollmentAdmin.Collection.ENROLLMENTS,
                    admin);
            enrollments++;
        }
        return new Loaded(certificates, groups, enrollments);
    }

    private static Iterable<JsonNode> list(Path file, JsonNode root, String key) throws SeedException {
        JsonNode list = root.get(key);
        if (list == null || list.isNull()) {
            return java.util.List.of();
        }
        if (!list.isArray()) {
            throw new SeedException("seed " + file + ": " + key + " must be a list (entries starting with '- '), got"
                    + " a " + list.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return list;
    }

    private static void put(Path file, String list, int index, JsonNode entry, String idField,
                            EnrollmentAdmin.Collection collection, StoreAdmin admin) throws SeedException {
        String where = "seed " + file + ": " + list + "[" + index + "]";
        if (!entry.isObject()) {
            throw new SeedException(where + ": expected a map in the service's JSON shape, with " + idField);
        }
        JsonNode id = entry.get(idField);
        if (id == null || !id.isTextual() || id.asText().isBlank()) {
            throw new SeedException(where + ": no " + idField + "; every entry needs one");
        }
        try {
            admin.put(collection, id.asText(), (ObjectNode) entry, Optional.empty());
        } catch (EnrollmentAdmin.AdminError e) {
            throw new SeedException(where + " (" + id.asText() + "): " + e.getMessage());
        }
    }

    private static void certificate(Path file, int index, JsonNode entry, StoreAdmin admin) throws SeedException {
        String where = "seed " + file + ": certificates[" + index + "]";
        if (!entry.isObject() || !entry.path("name").isTextual()) {
            throw new SeedException(where + ": expected a map with name and certificate (PEM) or file");
        }
        String name = entry.get("name").asText();
        String pem;
        if (entry.hasNonNull("file")) {
            Path pemFile = file.toAbsolutePath().getParent().resolve(entry.get("file").asText());
            try {
                pem = Files.readString(pemFile, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new SeedException(where + " (" + name + "): cannot read " + pemFile + " ("
                        + e.getClass().getSimpleName() + "); the path is relative to the seed file");
            }
        } else if (entry.path("certificate").isTextual()) {
            pem = entry.get("certificate").asText();
        } else {
            throw new SeedException(where + " (" + name + "): give the CA certificate as certificate: (PEM text)"
                    + " or file: (a PEM file next to the seed)");
        }
        JsonNode verified = entry.get("verified");
        if (verified != null && !verified.isBoolean()) {
            throw new SeedException(where + " (" + name + "): verified must be true or false");
        }
        try {
            if (verified == null || verified.asBoolean()) {
                admin.putVerifiedCertificate(name, pem);
            } else {
                admin.putCertificate(name, pem);
            }
        } catch (EnrollmentAdmin.AdminError e) {
            throw new SeedException(where + " (" + name + "): " + e.getMessage());
        }
    }

    private static String kind(Object o) {
        return o instanceof java.util.List<?> ? "list" : o.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
