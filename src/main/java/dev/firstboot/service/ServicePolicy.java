package dev.firstboot.service;

import java.util.Arrays;
import java.util.Base64;

/**
 * A shared access policy of the DPS service API: a key name (the real service's owner policy is
 * {@code provisioningserviceowner}) and its key. {@link #toString()} never shows the key.
 */
public record ServicePolicy(String name, byte[] key) {
    public static final String OWNER = "provisioningserviceowner";

    public ServicePolicy {
        key = key.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    /** {@code HostName=…;SharedAccessKeyName=…;SharedAccessKey=…}: a secret; print it only when asked to. */
    public String connectionString(String hostName) {
        return "HostName=" + hostName + ";SharedAccessKeyName=" + name + ";SharedAccessKey="
                + Base64.getEncoder().encodeToString(key);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServicePolicy p && p.name.equals(name) && Arrays.equals(p.key, key);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return "ServicePolicy[" + name + ", key redacted]";
    }
}
