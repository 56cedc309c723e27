package dev.firstboot.device.devkit;

/** The three ways the firmware can start, chosen from the buttons at reset (devkit.md §1.1). */
public enum BootMode {
    /** Button A held: the serial configuration console. */
    CONFIGURATION,
    /** Button B held (A not): a Wi-Fi access point with a settings web page. */
    ACCESS_POINT,
    /** Neither held: the user's sketch runs, here the DPS sample. */
    USER
}
