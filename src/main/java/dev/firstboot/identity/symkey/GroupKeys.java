package dev.firstboot.identity.symkey;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

/**
 * A symmetric-key enrollment group's members each sign with a key of their own, derived from the group key and their
 * registration id (dps.md §1.7): {@code HMAC-SHA256(groupKey, registrationId)}. Portals and SDK samples show both
 * keys base64-encoded; here they are the raw bytes.
 */
public final class GroupKeys {
    private GroupKeys() {
    }

    /** The key a member of the group with {@code groupKey} signs with when it registers as {@code registrationId}. */
    public static byte[] derive(byte[] groupKey, String registrationId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(groupKey, "HmacSHA256"));
            return mac.doFinal(registrationId.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }
}
