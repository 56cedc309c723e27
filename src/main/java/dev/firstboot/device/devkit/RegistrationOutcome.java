package dev.firstboot.device.devkit;

import java.util.Objects;

/** How DPS registration ended, as reported to the firmware's register callback (devkit.md §2.2 items 6–7). */
public sealed interface RegistrationOutcome {
    /**
     * @param iotHubHostName printed by the firmware
     * @param deviceId       kept by the firmware ({@code DevkitDPSGetDeviceID()}) but not printed
     */
    record Assigned(String iotHubHostName, String deviceId) implements RegistrationOutcome {
        public Assigned {
            Objects.requireNonNull(iotHubHostName, "iotHubHostName");
            Objects.requireNonNull(deviceId, "deviceId");
        }
    }

    /** Any result other than {@code PROV_DEVICE_RESULT_OK}; the firmware prints no detail. */
    record Failed() implements RegistrationOutcome {
    }
}
