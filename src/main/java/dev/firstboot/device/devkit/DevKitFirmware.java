package dev.firstboot.device.devkit;

import java.util.Objects;
import java.util.Optional;

/**
 * What the console's {@code version} command and the DPS boot output report, plus the console quirks of the build.
 * The library versions are not in the spec; {@link #of(String)} fills them with versions of the kind a DevKit SDK
 * 2.0.0 board prints (the C SDK's provisioning client, MXChip's Mico, mbed OS 5, mbed TLS 2), which a rig file may
 * override with what its board prints.
 *
 * @param version          the DevKit SDK version ({@code getDevkitVersion()}), also part of the automatic registration id
 * @param quirks           console behaviour of this build; normally {@code version.consoleQuirks()}
 * @param dpsClientVersion {@code Prov_Device_GetVersionString()}, printed as {@code DPS Version}
 * @param micoVersion      {@code MicoGetVer()}
 * @param mbedOsVersion    {@code MBED_MAJOR.MINOR.PATCH}
 * @param mbedTlsVersion   {@code MBEDTLS_VERSION_MAJOR.MINOR.PATCH}
 * @param wifiVersion      {@code MicoGetRfVer()}; empty prints {@code WIFI version: unknown}
 */
public record DevKitFirmware(FirmwareVersion version, FirmwareVersion.ConsoleQuirks quirks, String dpsClientVersion,
                             String micoVersion, String mbedOsVersion, String mbedTlsVersion,
                             Optional<String> wifiVersion) {
    public DevKitFirmware {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(quirks, "quirks");
        Objects.requireNonNull(dpsClientVersion, "dpsClientVersion");
        Objects.requireNonNull(micoVersion, "micoVersion");
        Objects.requireNonNull(mbedOsVersion, "mbedOsVersion");
        Objects.requireNonNull(mbedTlsVersion, "mbedTlsVersion");
        Objects.requireNonNull(wifiVersion, "wifiVersion");
    }

    /** A build of SDK {@code version} (e.g. {@code "2.0.0"}) with the library versions such a build prints. */
    public static DevKitFirmware of(String version) {
        FirmwareVersion v = FirmwareVersion.parse(version);
        return new DevKitFirmware(v, v.consoleQuirks(), "1.3.7", "31620002.049", "5.4.3", "2.5.1",
                Optional.of("1.2.3"));
    }

    public DevKitFirmware withQuirks(FirmwareVersion.ConsoleQuirks quirks) {
        return new DevKitFirmware(version, quirks, dpsClientVersion, micoVersion, mbedOsVersion, mbedTlsVersion,
                wifiVersion);
    }

    public DevKitFirmware withDpsClientVersion(String dpsClientVersion) {
        return new DevKitFirmware(version, quirks, dpsClientVersion, micoVersion, mbedOsVersion, mbedTlsVersion,
                wifiVersion);
    }

    public DevKitFirmware withLibraryVersions(String mico, String mbedOs, String mbedTls, Optional<String> wifi) {
        return new DevKitFirmware(version, quirks, dpsClientVersion, mico, mbedOs, mbedTls, wifi);
    }
}
