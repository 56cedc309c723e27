package dev.firstboot.device.board;

import dev.firstboot.identity.IdentityException;
import dev.firstboot.device.FirmwareInputs;
import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigException;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The rig-file fields every DevKit shares: the firmware it runs, its MAC, version and built-in registration id. */
final class DevKitConfig {
    static final String[] FIELDS = {"firmware", "mac", "firmware-version", "registration-id", "boot-deadline"};

    private DevKitConfig() {
    }

    static DevKitOnSerial.Settings read(PartConfig config, String kind, Map<String, String> labels) throws RigException {
        FirmwareInputs inputs = FirmwareInputs.read(config);
        Optional<String> registrationId = config.optionalString("registration-id")
                .filter(id -> !id.isBlank() && !id.equals("automatic"));
        if (registrationId.isPresent()) {
            try {
                RegistrationIds.requireValidForCertificate(registrationId.get());
            } catch (IdentityException e) {
                throw config.error("registration-id", e.getMessage());
            }
        }
        Duration bootDeadline = config.duration("boot-deadline", Duration.ofSeconds(15));
        return new DevKitOnSerial.Settings(kind, inputs, registrationId, bootDeadline, labels);
    }
}
