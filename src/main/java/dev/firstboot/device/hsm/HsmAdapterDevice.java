package dev.firstboot.device.hsm;

import dev.firstboot.device.boot.FirstBoot;
import dev.firstboot.device.boot.SimulatorSession;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.RigContext;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device under test is a vendor's HSM adapter: its first boot is the C SDK's, with every identity operation
 * answered by the adapter in its host process. A host that crashed, exited or was killed on a deadline is replaced
 * on the next call, so one scenario's failure never reaches the next; a healthy host is kept (starting a JVM per
 * scenario costs more than the checks).
 */
final class HsmAdapterDevice implements Device, HsmAdapterFacet {
    private final RigContext context;
    private final HsmAdapter adapter;
    private final Optional<String> expectedRegistrationId;
    private final String librarySha256;
    private final SimulatorSession session;
    private HsmAdapter.Handle bootHandle = HsmAdapter.Handle.NULL;

    HsmAdapterDevice(RigContext context, HsmAdapter adapter, Optional<String> expectedRegistrationId,
                     String librarySha256) {
        this.context = context;
        this.adapter = adapter;
        this.expectedRegistrationId = expectedRegistrationId;
        this.librarySha256 = librarySha256;
        this.session = new SimulatorSession(context);
    }

    @Override
    public String kind() {
        return HsmAdapterDeviceProvider.KIND;
    }

    @Override
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("device", kind());
        labels.put("adapter-type", adapter.type().configName());
        labels.put("adapter", adapter.library().getFileName().toString());
        labels.put("adapter-sha256", librarySha256);
        return labels;
    }

    @Override
    public <T> Optional<T> facet(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public HsmAdapter adapter() {
        return adapter;
    }

    @Override
    public Optional<String> expectedRegistrationId() {
        return expectedRegistrationId;
    }

    @Override
    public AdapterIdentity identity() throws AdapterFailure, AdapterCheckException {
        return AdapterIdentity.read(adapter, context.redactor());
    }

    @Override
    public synchronized void boot() throws DeviceException {
        session.stop();
        AdapterAuth auth;
        try {
            adapter.init();
            AdapterIdentity identity = identity();
            if (adapter.type() == AdapterType.TPM) {
                bootHandle = adapter.create();
                if (bootHandle.isNull()) {
                    throw new DeviceException("hsm_client_tpm_create() returned NULL");
                }
            }
            auth = new AdapterAuth(adapter, identity, bootHandle, Clock.systemUTC());
        } catch (AdapterFailure | AdapterCheckException e) {
            session.print("adapter: " + e.getMessage());
            throw new DeviceException("the adapter could not give its identity: " + e.getMessage());
        }
        session.print("HSM adapter device booting, registration id " + auth.registrationId());
        session.start("hsm-adapter-boot", pause -> new FirstBoot(context.endpoints(), context.timeline(),
                FirstBoot.Progress.consoleLines(session::print), auth, FirstBoot.Behaviour.conforming(), pause));
    }

    @Override
    public BootReport awaitBoot(Duration deadline) throws InterruptedException {
        return session.await(deadline);
    }

    @Override
    public List<String> consoleLog() {
        List<String> out = new java.util.ArrayList<>(session.consoleLog());
        String printed = adapter.output().strip();
        if (!printed.isEmpty()) {
            out.add("--- adapter host output ---");
            printed.lines().map(l -> context.redactor().mask(l)).forEach(out::add);
        }
        return out;
    }

    @Override
    public synchronized void resetForScenario() {
        session.reset();
        if (!bootHandle.isNull()) {
            try {
                adapter.destroy(bootHandle);
            } catch (AdapterFailure e) {
                // the host is gone, and the handle with it; the next call starts a fresh host
            }
        }
        bootHandle = HsmAdapter.Handle.NULL;
    }

    @Override
    public synchronized void close() {
        session.stop();
        adapter.close();
    }
}
