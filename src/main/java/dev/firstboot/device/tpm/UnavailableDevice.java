package dev.firstboot.device.tpm;

import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Stands in for a device this machine cannot run; it offers no facets and refuses to boot, saying why. */
final class UnavailableDevice implements Device {
    private final String kind;
    private final String reason;

    UnavailableDevice(String kind, String reason) {
        this.kind = kind;
        this.reason = reason;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public Map<String, String> labels() {
        return Map.of("device", kind + " (unavailable)");
    }

    @Override
    public <T> Optional<T> facet(Class<T> type) {
        return Optional.empty();
    }

    @Override
    public void boot() throws DeviceException {
        throw new DeviceException(reason);
    }

    @Override
    public BootReport awaitBoot(Duration deadline) {
        return new BootReport.NoVerdict("a boot, but the device is unavailable: " + reason);
    }

    @Override
    public List<String> consoleLog() {
        return List.of();
    }

    @Override
    public void resetForScenario() {
    }

    @Override
    public void close() {
    }
}
