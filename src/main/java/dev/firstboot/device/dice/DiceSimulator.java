package dev.firstboot.device.dice;

import dev.firstboot.device.FirmwareInputs;
import dev.firstboot.device.boot.SimulatorSession;
import dev.firstboot.device.boot.FirstBoot;
import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.AliasFields;
import dev.firstboot.identity.dice.DevKitCertificates;
import dev.firstboot.identity.dice.DiceEngine;
import dev.firstboot.identity.dice.DiceIdentity;
import dev.firstboot.identity.dice.FixedNonceEcdsa;
import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.identity.dice.Uds;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.DiceFacet;
import dev.firstboot.rig.RigContext;
import dev.firstboot.secret.Secret;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A DevKit-style DICE device in-process: it derives its alias certificate from the UDS written to it and its
 * firmware image, exactly as the firmware does, then runs the C SDK's first boot. Its defects make it wrong on
 * purpose, so every check the features make can be seen to fail.
 */
public final class DiceSimulator implements Device, DiceFacet {
    /** Serial number the wrong-serial defect puts in the alias certificate instead of the firmware's 0a0b0c0d0e. */
    static final byte[] WRONG_SERIAL = {0x01, 0x02, 0x03, 0x04, 0x05};

    record Settings(FirmwareInputs inputs, Set<DiceDefect> defects, Duration slowBootDelay,
                    FirstBoot.Transport transport, Duration registrationBudget) {
        Settings {
            defects = Set.copyOf(defects);
        }

        Settings(FirmwareInputs inputs, Set<DiceDefect> defects, Duration slowBootDelay) {
            this(inputs, defects, slowBootDelay, FirstBoot.Transport.HTTPS,
                    FirstBoot.Behaviour.conforming().registrationDeadline());
        }
    }

    private final Settings settings;
    private final RigContext context;
    private Secret uds;
    private Optional<String> registrationId = Optional.empty();
    private final SimulatorSession session;

    DiceSimulator(Settings settings, RigContext context) {
        this.settings = settings;
        this.context = context;
        this.session = new SimulatorSession(context);
    }


    @Override
    public String kind() {
        return "dice-simulator";
    }

    @Override
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("device", "dice-simulator");
        labels.put("firmware", settings.inputs().image().binSha256Hex());
        labels.put("firmware-version", settings.inputs().firmwareVersion());
        labels.put("transport", settings.transport().name().toLowerCase(java.util.Locale.ROOT));
        if (!settings.defects().isEmpty()) {
            labels.put("defects", settings.defects().stream().map(DiceDefect::configName).sorted().toList().toString());
        }
        return labels;
    }

    @Override
    public <T> Optional<T> facet(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public synchronized void writeUds(Secret uds) throws DeviceException {
        try {
            Uds.parse(uds.reveal());
        } catch (IdentityException e) {
            throw new DeviceException("the UDS was refused: " + e.getMessage());
        }
        context.redactor().register(uds.reveal());
        this.uds = uds;
    }

    @Override
    public synchronized void useRegistrationId(String id) throws DeviceException {
        try {
            RegistrationIds.requireValidForCertificate(id);
        } catch (IdentityException e) {
            throw new DeviceException(e.getMessage());
        }
        registrationId = Optional.of(id);
    }

    @Override
    public synchronized void useAutomaticRegistrationId() {
        registrationId = Optional.empty();
    }

    @Override
    public synchronized String expectedRegistrationId() throws DeviceException {
        return settings.inputs().registrationId(registrationId);
    }

    @Override
    public Path firmwareBin() {
        return settings.inputs().bin();
    }

    @Override
    public Path firmwareMap() {
        return settings.inputs().map();
    }

    @Override
    public String mac() {
        return settings.inputs().mac();
    }

    @Override
    public String firmwareVersion() {
        return settings.inputs().firmwareVersion();
    }

    @Override
    public synchronized void boot() throws DeviceException {
        if (uds == null) {
            throw new DeviceException("no UDS has been written to the device; write one before it boots");
        }
        session.stop();
        String regId = expectedRegistrationId();
        FirstBoot.Identity identity = identity(regId);
        FirstBoot.Behaviour behaviour = FirstBoot.Behaviour.conforming().withTransport(settings.transport())
                .withRegistrationDeadline(settings.registrationBudget());
        if (settings.defects().contains(DiceDefect.RETRIES_FOREVER)) {
            behaviour = behaviour.with(FirstBoot.Deviation.RETRIES_FOREVER);
        }
        if (settings.defects().contains(DiceDefect.NO_BACKOFF)) {
            behaviour = behaviour.with(FirstBoot.Deviation.NO_BACKOFF);
        }
        if (settings.defects().contains(DiceDefect.ACCEPTS_EXPIRED_CERTIFICATE)) {
            behaviour = behaviour.with(FirstBoot.Deviation.ACCEPTS_EXPIRED_CERTIFICATE);
        }
        if (settings.defects().contains(DiceDefect.SLOW_BOOT)) {
            behaviour = behaviour.withBootDelay(settings.slowBootDelay());
        }
        if (settings.defects().contains(DiceDefect.IGNORES_RETRY_AFTER)) {
            behaviour = behaviour.with(FirstBoot.Deviation.IGNORES_RETRY_AFTER);
        }
        if (settings.defects().contains(DiceDefect.NO_TELEMETRY)) {
            behaviour = behaviour.with(FirstBoot.Deviation.NO_TELEMETRY);
        }
        if (settings.defects().contains(DiceDefect.CONNECTS_AFTER_REFUSAL)) {
            behaviour = behaviour.with(FirstBoot.Deviation.HUB_AFTER_REFUSAL);
        }
        FirstBoot.Behaviour chosen = behaviour;
        FirstBoot.Progress progress = FirstBoot.Progress.consoleLines(session::print);
        if (settings.defects().contains(DiceDefect.DUMPS_ALIAS_KEY_ON_FAILURE)) { // DEFECT HOOK
            String d = String.format("%064x", ((ECPrivateKey) identity.key()).getS());
            progress = progress.afterFailure(() -> session.print("alias key d=" + d));
        }
        FirstBoot.Progress lines = progress;
        session.print("DICE simulator booting, firmware " + settings.inputs().firmwareVersion() + ", registration id " + regId);
        session.start("dice-simulator-boot", pause -> new FirstBoot(context.endpoints(), context.timeline(),
                lines, identity, chosen, pause));
    }

    /** The identity the firmware derives, or a defective variant of it. */
    private FirstBoot.Identity identity(String regId) throws DeviceException {
        DiceIdentity id;
        try {
            id = DiceEngine.derive(Uds.parse(uds.reveal()), settings.inputs().image(), regId);
        } catch (IdentityException e) {
            throw new DeviceException("the device cannot derive its DICE identity: " + e.getMessage());
        }
        byte[] der = id.aliasCertDer();
        boolean wrongSerial = settings.defects().contains(DiceDefect.WRONG_SERIAL);
        boolean wrongCn = settings.defects().contains(DiceDefect.CN_DIFFERS_FROM_REGISTRATION_ID);
        if (wrongSerial || wrongCn) {
            AliasFields fields = new AliasFields(wrongSerial ? WRONG_SERIAL : DevKitCertificates.ALIAS_SERIAL,
                    wrongCn ? regId + "-x" : regId, (ECPublicKey) id.aliasKey().getPublic(),
                    (ECPublicKey) id.deviceIdKey().getPublic(), id.fwid());
            byte[] tbs = DevKitCertificates.aliasTbs(fields);
            der = DevKitCertificates.assemble(tbs, FixedNonceEcdsa.signDer(tbs, (ECPrivateKey) id.deviceIdKey().getPrivate()));
        }
        try {
            X509Certificate alias = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            // Variant A firmware presents the alias certificate alone (hsm_client_riot_individual).
            return new FirstBoot.Identity(regId, id.aliasKey().getPrivate(), List.of(alias));
        } catch (CertificateException e) {
            throw new DeviceException("the device's alias certificate does not parse: " + e.getMessage());
        }
    }

    @Override
    public BootReport awaitBoot(Duration deadline) throws InterruptedException {
        return session.await(deadline);
    }

    @Override
    public List<String> consoleLog() {
        return session.consoleLog();
    }

    @Override
    public synchronized void resetForScenario() {
        session.reset();
        uds = null;
        registrationId = Optional.empty();
    }

    /** Cancels a boot in progress and drops its hub connection, waiting a bounded time for its thread. */
    @Override
    public synchronized void close() {
        session.stop();
    }
}
