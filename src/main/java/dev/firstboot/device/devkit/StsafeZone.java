package dev.firstboot.device.devkit;

/**
 * The STSAFE-A100 data zones of the AZ3166 ({@code EEPROMInterface.h}, devkit.md §1.6). A zone of size 0 exists in the
 * table but cannot hold data.
 */
public enum StsafeZone {
    X509_CERT_PART_1(0, 976),
    ZONE_1(1, 0),
    ZONE_2(2, 192),
    WIFI_SSID(3, 120),
    ZONE_4(4, 0),
    /** Written by {@code set_az_iothub} and, on firmware that has it, by {@code set_az_iotdps} too. */
    AZ_IOT_HUB(5, 584),
    DPS_UDS(6, 680),
    X509_CERT_PART_2(7, 784),
    X509_CERT_PART_3(8, 880),
    ZONE_9(9, 0),
    WIFI_PWD(10, 88);

    private final int index;
    private final int size;

    StsafeZone(int index, int size) {
        this.index = index;
        this.size = size;
    }

    /** The zone number the firmware passes to the chip and prints in {@code Failed to write EEPROM: 0x%02x}. */
    public int index() {
        return index;
    }

    /** Capacity in bytes; a write of more bytes fails. */
    public int size() {
        return size;
    }

    static StsafeZone byIndex(int index) {
        for (StsafeZone zone : values()) {
            if (zone.index == index) {
                return zone;
            }
        }
        throw new IllegalArgumentException("There is no STSAFE zone " + index + "; zones are numbered 0 to 10.");
    }
}
