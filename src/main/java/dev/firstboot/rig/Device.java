package dev.firstboot.rig;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device under test. What a device can do beyond booting is offered as facets (for example {@link DiceFacet}),
 * so steps ask for what they need and a rig without it makes the scenario not applicable.
 */
public interface Device extends AutoCloseable {
    String kind();

    /** Labels for reports (device kind, firmware hash, board id); never secrets. */
    Map<String, String> labels();

    <T> Optional<T> facet(Class<T> type);

    /** Starts the first boot and returns at once; progress goes to the rig's timeline. */
    void boot() throws DeviceException;

    /** Waits for the device's own verdict on the boot, never longer than {@code deadline}. */
    BootReport awaitBoot(Duration deadline) throws InterruptedException;

    /** What the device printed or logged during this scenario, already masked. */
    List<String> consoleLog();

    /** Called between scenarios: stop any boot in progress and forget per-scenario settings. */
    void resetForScenario();

    @Override
    void close();
}
