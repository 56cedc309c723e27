package dev.firstboot.device.devkit;

/** {@code PROV_DEVICE_REG_STATUS} values the status callback receives (devkit.md §2.2 item 5). */
public enum RegistrationStatus {
    CONNECTED("PROV_DEVICE_REG_STATUS_CONNECTED", "CONNECTED"),
    REGISTERING("PROV_DEVICE_REG_STATUS_REGISTERING", "REGISTERING"),
    ASSIGNING("PROV_DEVICE_REG_STATUS_ASSIGNING", "ASSIGNING"),
    ASSIGNED("PROV_DEVICE_REG_STATUS_ASSIGNED", ""),
    ERROR("PROV_DEVICE_REG_STATUS_ERROR", ""),
    HUB_NOT_SPECIFIED("PROV_DEVICE_REG_HUB_NOT_SPECIFIED", "");

    private final String enumName;
    private final String shortLine;

    RegistrationStatus(String enumName, String shortLine) {
        this.enumName = enumName;
        this.shortLine = shortLine;
    }

    /** The C enum name the firmware logs. */
    public String enumName() {
        return enumName;
    }

    /** The word of the extra {@code Registration status: X} line, empty for statuses that print none. */
    String shortLine() {
        return shortLine;
    }
}
