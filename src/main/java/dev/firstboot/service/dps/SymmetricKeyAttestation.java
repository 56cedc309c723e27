package dev.firstboot.service.dps;

import dev.firstboot.identity.symkey.GroupKeys;
import dev.firstboot.identity.tpm.SasTokens;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * DPS's side of symmetric-key attestation (dps.md §1.7): every request carries a SAS over
 * {@code {idScope}/registrations/{registrationId}}, signed with the individual enrollment's key or, for a registration
 * id with no individual enrollment, with the key derived from an enrollment group's key. Called under
 * {@link DpsService}'s lock.
 */
final class SymmetricKeyAttestation {
    /** {@code skn} as the C SDK sends it; the Java SDK sends it empty. */
    static final Set<String> KEY_NAMES = Set.of("registration", "");

    private final String idScope;

    SymmetricKeyAttestation(String idScope) {
        this.idScope = idScope;
    }

    /** A symmetric-key enrollment group: any registration id whose SAS verifies with the derived key belongs to it. */
    record Group(String groupId, byte[] groupKey, com.fasterxml.jackson.databind.node.ObjectNode doc,
                 boolean enabled) {
        Group {
            groupKey = groupKey.clone();
        }

        @Override
        public String toString() {
            return "Group[" + groupId + ", key «masked»" + (enabled ? "" : ", disabled") + "]";
        }
    }

    /** The document's secondary key, when it has one. */
    private static Optional<byte[]> secondaryKey(com.fasterxml.jackson.databind.node.ObjectNode doc) {
        String k = doc.path("attestation").path("symmetricKey").path("secondaryKey").asText("");
        if (k.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(java.util.Base64.getDecoder().decode(k));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    DpsService.Authenticated authenticate(DeviceRequest request, DpsService.Enrollment enrollment,
                                          Collection<Group> groups) throws DpsService.Refused {
        String id = request.registrationId();
        if (request.authorization().isEmpty()) {
            throw new DpsService.Refused("no Authorization (SAS) header; a symmetric-key device signs one with its key");
        }
        String token = request.authorization().get();
        String scope = idScope + "/registrations/" + id;
        Instant now = Instant.now();
        if (enrollment != null) {
            if (enrollment.attestation() != DpsService.Attestation.SYMMETRIC_KEY) {
                throw new DpsService.Refused("registration id '" + id + "' is enrolled for "
                        + enrollment.attestation() + " attestation, not a symmetric key");
            }
            if (SasTokens.verify(token, scope, enrollment.credential(), KEY_NAMES, now)
                    instanceof SasTokens.Rejected r) {
                Optional<byte[]> secondary = secondaryKey(enrollment.doc());
                if (secondary.isPresent() && SasTokens.verify(token, scope, secondary.get(), KEY_NAMES, now)
                        instanceof SasTokens.Accepted) {
                    // Signed with the secondary key: the hub gets that key, as the device will sign with it there too.
                    return new DpsService.Authenticated(new DpsService.Enrollment(id,
                            DpsService.Attestation.SYMMETRIC_KEY, secondary.get(), enrollment.deviceId(),
                            enrollment.doc(), enrollment.enabled()), new byte[0], Optional.empty());
                }
                throw new DpsService.Refused("the SAS was refused for the individual enrollment of '" + id + "': "
                        + r.reason() + (secondary.isPresent() ? " (nor does it verify with the secondary key)" : ""));
            }
            return new DpsService.Authenticated(enrollment, new byte[0], Optional.empty());
        }
        if (groups.isEmpty()) {
            throw new DpsService.Refused("no individual enrollment for registration id '" + id
                    + "' and no symmetric-key enrollment group");
        }
        List<String> tried = new ArrayList<>();
        for (Group g : groups) {
            byte[] derived = GroupKeys.derive(g.groupKey(), id);
            SasTokens.Verdict verdict = SasTokens.verify(token, scope, derived, KEY_NAMES, now);
            Optional<byte[]> secondary = secondaryKey(g.doc());
            if (verdict instanceof SasTokens.Rejected && secondary.isPresent()) {
                byte[] derivedSecondary = GroupKeys.derive(secondary.get(), id);
                SasTokens.Verdict second = SasTokens.verify(token, scope, derivedSecondary, KEY_NAMES, now);
                if (second instanceof SasTokens.Accepted) {
                    derived = derivedSecondary;
                    verdict = second;
                }
            }
            if (verdict instanceof SasTokens.Accepted) {
                DpsService.Enrollment member = new DpsService.Enrollment(id, DpsService.Attestation.SYMMETRIC_KEY,
                        derived, Optional.empty(), g.doc(), g.enabled());
                return new DpsService.Authenticated(member, new byte[0], Optional.of(g.groupId()));
            }
            tried.add("group '" + g.groupId() + "': " + ((SasTokens.Rejected) verdict).reason());
        }
        throw new DpsService.Refused("no individual enrollment for registration id '" + id
                + "', and its SAS verifies with the derived key of no enrollment group (" + String.join("; ", tried)
                + ")");
    }
}
