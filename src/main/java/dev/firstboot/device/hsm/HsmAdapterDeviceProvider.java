package dev.firstboot.device.hsm;

import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * {@code kind: hsm-adapter}: a vendor's custom HSM adapter library ({@code library:}, {@code type: x509|tpm|
 * symmetric-key}), loaded in a child process. Gives {@code @hsm} and {@code @hsm-<type>}.
 */
public final class HsmAdapterDeviceProvider implements DeviceProvider {
    static final String KIND = "hsm-adapter";

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public Set<String> capabilityTags() {
        return Set.of("hsm", "hsm-x509", "hsm-tpm", "hsm-symmetric-key");
    }

    @Override
    public String description() {
        return "a vendor's custom HSM adapter (.so) in a child process, booting through the C SDK's sequence";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "library", "type", "registration-id", "call-deadline", "start-deadline");
        Path library = config.existingFile("library");
        String typeName = config.string("type");
        AdapterType type = AdapterType.named(typeName).orElseThrow(() -> config.error("type",
                "unknown adapter type \"" + typeName + "\"; use one of " + AdapterType.names()));
        Optional<String> regId = config.optionalString("registration-id").filter(s -> !s.isBlank());
        Duration callDeadline = config.duration("call-deadline", Duration.ofSeconds(5));
        Duration startDeadline = config.duration("start-deadline", Duration.ofSeconds(20));
        String sha256 = sha256(library);
        return new Spec<>() {
            @Override
            public Set<String> capabilities() {
                return Set.of("hsm", switch (type) {
                    case X509 -> "hsm-x509";
                    case TPM -> "hsm-tpm";
                    case SYMMETRIC_KEY -> "hsm-symmetric-key";
                });
            }

            @Override
            public Device start(RigContext context) {
                HsmAdapter adapter = new HsmAdapter(new HsmAdapter.Config(library, type, callDeadline, startDeadline,
                        context.workDirectory().resolve("hsm-host")));
                return new HsmAdapterDevice(context, adapter, regId, sha256);
            }
        };
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) throws RigException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new RigException("cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
