package dev.firstboot.device.tpm;

import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** {@code kind: tpm-simulator}: a TPM 2.0 device on swtpm (Debian's swtpm package), started in the rig's folder. */
public final class TpmSimulatorDeviceProvider implements DeviceProvider {
    private final java.util.function.BooleanSupplier swtpmInstalled;

    public TpmSimulatorDeviceProvider() {
        this(Swtpm::installed);
    }

    TpmSimulatorDeviceProvider(java.util.function.BooleanSupplier swtpmInstalled) {
        this.swtpmInstalled = swtpmInstalled;
    }

    @Override
    public String kind() {
        return "tpm-simulator";
    }

    @Override
    public Set<String> capabilityTags() {
        return Set.of("tpm", "tpm-faults");
    }

    @Override
    public String description() {
        return "TPM 2.0 device on swtpm via TSS.Java: EK/SRK, DPS challenge activation, SAS signed in the TPM";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "registration-id", "start-deadline", "defects");
        Set<TpmDefect> defects = java.util.EnumSet.noneOf(TpmDefect.class);
        for (String name : config.strings("defects")) {
            defects.add(TpmDefect.named(name).orElseThrow(() -> config.error("defects",
                    "unknown defect \"" + name + "\"; known defects are: " + TpmDefect.names())));
        }
        Optional<String> registrationId = config.optionalString("registration-id").filter(s -> !s.isBlank());
        if (registrationId.isPresent() && !registrationId.get().matches("[a-z0-9-]{1,128}")) {
            throw config.error("registration-id", "a TPM registration id is lowercase letters, digits and '-', at "
                    + "most 128 characters; leave it out to derive it from the EK");
        }
        Duration startDeadline = config.duration("start-deadline", Duration.ofSeconds(10));
        boolean installed = swtpmInstalled.getAsBoolean();
        return new Spec<>() {

            @Override
            public int instances() {
                return Integer.MAX_VALUE;
            }
            @Override
            public Set<String> capabilities() {
                return installed ? Set.of("tpm", "tpm-faults") : Set.of();
            }

            @Override
            public java.util.Map<String, String> unavailable() {
                return installed ? java.util.Map.of()
                        : java.util.Map.of("tpm", Swtpm.NOT_INSTALLED, "tpm-faults", Swtpm.NOT_INSTALLED);
            }

            @Override
            public Device start(RigContext context) throws RigException {
                if (!installed) {
                    // Scenarios needing @tpm are reported not applicable with the reason; the rig still starts.
                    return new UnavailableDevice("tpm-simulator", Swtpm.NOT_INSTALLED);
                }
                try {
                    ProvisionedSwtpm tpm = ProvisionedSwtpm.start(context.workDirectory().resolve("tpm"),
                            startDeadline);
                    return new TpmSimulator(context, tpm.swtpm(), tpm.tpm(), registrationId, defects);
                } catch (IOException | DeviceException e) {
                    throw new RigException("rig " + context.rigName() + ": " + e.getMessage());
                }
            }
        };
    }
}
