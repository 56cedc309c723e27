package dev.firstboot.bench;

import javax.net.ssl.SSLSocketFactory;
import java.util.Optional;

/**
 * One enrolled benchmark device, ready before timing starts: its registration id, the TLS socket factory it connects
 * with (its own SSLContext, so no session is resumed across devices), and for symmetric-key devices the SAS token.
 * {@link #toString()} never shows the token.
 */
record BenchDevice(String registrationId, SSLSocketFactory tls, Optional<String> sas) {
    @Override
    public String toString() {
        return "BenchDevice[" + registrationId + (sas.isPresent() ? ", SAS redacted" : ", X.509") + "]";
    }
}
