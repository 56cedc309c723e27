package dev.firstboot.device.boot;

import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.RigContext;
import dev.firstboot.timeline.ConsoleSecrets;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * What an in-process simulated device keeps between boots: its console log (masked, and on the timeline as it is
 * printed) and the boot in progress. A new boot or a reset stops the previous one first.
 */
public final class SimulatorSession {
    private final RigContext context;
    private final List<String> console = new CopyOnWriteArrayList<>();
    private BootThread boot;

    public SimulatorSession(RigContext context) {
        this.context = context;
    }

    /** Prints a console line: masked, kept, and put on the timeline. */
    public void print(String line) {
        Map<String, String> attributes = ConsoleSecrets.line(context.redactor(), line);
        console.add(attributes.get("line"));
        context.timeline().record(Origin.DEVICE, EventKind.CONSOLE_LINE, "console", attributes);
    }

    public List<String> consoleLog() {
        return List.copyOf(console);
    }

    /** Starts a boot on its own thread, after stopping any boot still running. */
    public synchronized void start(String threadName, Function<FirstBoot.Pause, FirstBoot> procedure) {
        stop();
        boot = BootThread.start(threadName, procedure);
    }

    public BootReport await(Duration deadline) throws InterruptedException {
        BootThread b;
        synchronized (this) {
            b = boot;
        }
        return b == null ? new BootReport.NoVerdict("a boot, but the device was never booted") : b.await(deadline);
    }

    /** Stops the boot in progress, if any. */
    public synchronized void stop() {
        BootThread b = boot;
        boot = null;
        if (b != null) {
            b.stop();
        }
    }

    /** Stops the boot and forgets the console, for the next scenario. */
    public void reset() {
        stop();
        console.clear();
    }
}
