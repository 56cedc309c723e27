package dev.firstboot.cli;

import dev.firstboot.pki.CaFiles;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.RigException;
import dev.firstboot.secret.Redactor;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.harness.EventBuffer;
import dev.firstboot.service.harness.RequestLog;
import dev.firstboot.service.harness.ServedBackend;
import dev.firstboot.service.dps.EnrollmentSeed;
import dev.firstboot.service.dps.store.EnrollmentStore;
import dev.firstboot.service.fault.FaultPlan;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * {@code firstboot emulator}: the DPS and IoT Hub emulators as a standalone server, for SDK samples, containers and
 * people. Prints its endpoints as {@code key: value} lines, then {@code ready}; stops cleanly on SIGTERM or SIGINT.
 */
@Command(name = "emulator", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the DPS and IoT Hub emulators as a standalone server until SIGTERM or SIGINT (Ctrl-C).",
                "",
                "On start it prints one 'key: value' line each, then 'ready':",
                "  dps-https: https://HOST:PORT      DPS device API and service API over HTTPS",
                "  dps-mqtt: mqtts://HOST:PORT       DPS device API over MQTT",
                "  hub.NAME: mqtts://HUBHOST:PORT    each IoT Hub (MQTT)",
                "  id-scope: SCOPE",
                "  ca-certificate: PATH              PEM CA that clients must trust",
                "  service-connection-string: HostName=…;SharedAccessKeyName=…;SharedAccessKey=…",
                "      (a secret, printed because you asked for it; keep it out of logs)",
                "  device-address: IP              one line per address the server certificate names",
                "                                    (every interface's with bind 0.0.0.0): what devices may use",
                "  ready",
                "",
                "The DPS HTTPS port also serves, behind the service SAS, the emulator's timeline as server-sent",
                "events (GET /firstboot/events?after=SEQ) and a harness's controls (reset, retry-after, tamper):",
                "what the 'emulator' rig backend uses (docs/emulator.md).",
                "",
                "Config file (YAML, field names and units as in rig files; every field optional;",
                "defaults shown):",
                "  id-scope: 0ne00FB0001",
                "  host: localhost          the name clients use; the certificate is for it",
                "  bind: 127.0.0.1          a LAN address for boards on the bench network,",
                "                           0.0.0.0 for every interface (and in a container)",
                "  dps-https: 8443          443 for stock Azure SDKs",
                "  dps-mqtt: 8883",
                "  hubs: [{name: hub-a, host: hub-a.localhost, port: 8884}]",
                "                           a hub may also set 'bind: IP' (its own address)",
                "  retry-after: 1s          whole seconds, 0s to 300s",
                "  service-policies: [{name: provisioningserviceowner, key: BASE64}]",
                "                           default: a random owner key",
                "  seed: FILE               enrollments, groups and CA certificates to load",
                "                           at start (docs/enrollments.md); relative to the config",
                "  Port 0 means any free port.",
                "",
                "With --data DIR the CA (ca.pem, ca-key.pem mode 0600), the service key and the enrollment store"
                        + " (enrollments, groups, CA certificates, registrations) are kept in DIR, so a restart keeps"
                        + " them. Without it everything is in memory and a temporary folder"
                        + " holds ca.pem."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by SIGTERM or SIGINT", "2:bad usage, a bad config file or a port in use",
                "4:the emulator could not start"})
final class EmulatorCommand implements Callable<Integer> {
    static final String POLICY_FILE = "service-policies";
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(20);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (see above); defaults for all")
    Path config;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder that keeps the CA, the service key and the enrollments across restarts;"
                    + " created if missing")
    Path data;

    @Option(names = "--log", description = "Print one line per request on stdout after 'ready': what, method, path,"
            + " status and registration id (never a token or key)")
    boolean log;

    /** Counted down by SIGTERM/SIGINT; a test may count it down instead. */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EmulatorConfig cfg;
        try {
            cfg = config == null ? EmulatorConfig.defaults() : EmulatorConfig.read(config);
        } catch (RigException e) {
            err.println("firstboot emulator: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        Path caDir;
        TestPki pki;
        List<ServiceSas.Policy> policies;
        Path temp = null;
        try {
            if (data != null) {
                if (Files.exists(data) && !Files.isDirectory(data)) {
                    err.println("firstboot emulator: --data " + data + " is a file; give a folder (it is created if"
                            + " missing)");
                    return ExitCodes.USAGE;
                }
                Files.createDirectories(data);
                caDir = data;
                pki = CaFiles.loadOrCreate(data);
                policies = cfg.servicePolicies().isEmpty() ? keptPolicies(data) : cfg.servicePolicies();
            } else {
                temp = Files.createTempDirectory("firstboot-emulator-");
                caDir = temp;
                pki = TestPki.create();
                CaFiles.writeCertificate(pki, temp.resolve(CaFiles.CERTIFICATE));
                policies = cfg.servicePolicies().isEmpty()
                        ? List.of(ServiceSas.Policy.generate(ServiceSas.OWNER_POLICY)) : cfg.servicePolicies();
            }
        } catch (IOException e) {
            err.println("firstboot emulator: " + e.getMessage());
            deleteTree(temp);
            return ExitCodes.USAGE;
        }
        EmulatorStack.Settings settings = new EmulatorStack.Settings(cfg.idScope(), cfg.host(), cfg.bind(),
                cfg.dpsHttps(), cfg.dpsMqtt(), cfg.hubs(), cfg.retryAfterSeconds(), 2, FaultPlan.RateLimits.NONE,
                policies);
        Redactor redactor = new Redactor();
        policies.forEach(p -> redactor.register(p.base64Key()));
        EventBuffer events = new EventBuffer(redactor);
        EmulatorStack stack;
        try {
            EnrollmentStore store = data == null ? EnrollmentStore.inMemory() : EnrollmentStore.inDirectory(data);
            stack = EmulatorStack.start(settings, pki, store, events);
        } catch (EmulatorStack.StartFailure e) {
            err.println("firstboot emulator: " + e.getMessage());
            deleteTree(temp);
            return e.portInUse().isPresent() ? ExitCodes.USAGE : ExitCodes.RIG_ERROR;
        } catch (RuntimeException e) {
            err.println("firstboot emulator: the enrollment store in " + data + " did not open: " + e.getMessage()
                    + ". Is another emulator using this --data folder? Stop it, or give another folder");
            deleteTree(temp);
            return ExitCodes.USAGE;
        }
        try {
            if (cfg.seed().isPresent()) {
                EnrollmentSeed.load(cfg.seed().get(), stack.dps().admin());
            }
        } catch (EnrollmentSeed.SeedException e) {
            err.println("firstboot emulator: seed: " + e.getMessage());
            stack.close();
            deleteTree(temp);
            return ExitCodes.USAGE;
        }
        stack.serveHarnessApi(new ServedBackend(stack), events);
        List<Signals.Registration> handlers = Signals.onTermination(stop::countDown);
        try {
            out.println("dps-https: https://" + cfg.host() + ":" + stack.dpsHttpsAddress().getPort());
            out.println("dps-mqtt: mqtts://" + cfg.host() + ":" + stack.dpsMqttAddress().getPort());
            for (IotHubEmulator hub : stack.hubs().values()) {
                out.println("hub." + hub.name() + ": mqtts://" + hub.host() + ":" + hub.address().getPort());
            }
            out.println("id-scope: " + cfg.idScope());
            out.println("ca-certificate: " + caDir.resolve(CaFiles.CERTIFICATE).toAbsolutePath());
            out.println("service-connection-string: " + ServiceSas.connectionString(cfg.host(), policies.get(0)));
            for (String address : stack.serverAddresses()) {
                out.println("device-address: " + address);
            }
            out.println("ready");
            out.flush();
            if (log) {
                RequestLog.start(out, events);
            }
            stop.await();
            err.println("firstboot emulator: stopping");
            err.flush();
            return stopWithin(stack, err) ? ExitCodes.PASSED : ExitCodes.RIG_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopWithin(stack, err);
            return ExitCodes.INTERRUPTED;
        } finally {
            handlers.forEach(Signals.Registration::restore);
            deleteTree(temp);
        }
    }

    /** Closes listeners and connections and the enrollment store (flushing it to --data) within the deadline. */
    private static boolean stopWithin(EmulatorStack stack, PrintWriter err) {
        Thread closer = new Thread(stack::close, "firstboot-emulator-stop");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(STOP_DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            err.println("firstboot emulator: listeners did not close within " + STOP_DEADLINE.toSeconds()
                    + " s; exiting anyway");
            return false;
        }
        err.println("firstboot emulator: stopped");
        return true;
    }

    /** The service policies kept in {@code dir}, made (a random owner key, file mode 0600) on first use. */
    static List<ServiceSas.Policy> keptPolicies(Path dir) throws IOException {
        Path file = dir.resolve(POLICY_FILE);
        if (!Files.exists(file)) {
            ServiceSas.Policy owner = ServiceSas.Policy.generate(ServiceSas.OWNER_POLICY);
            CaFiles.writePrivate(file, "# firstboot emulator service policies: NAME BASE64KEY (secret)\n"
                    + owner.name() + " " + Base64.getEncoder().encodeToString(owner.key()) + "\n");
            return List.of(owner);
        }
        List<ServiceSas.Policy> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s+");
            byte[] key = null;
            if (parts.length == 2) {
                try {
                    key = Base64.getDecoder().decode(parts[1]);
                } catch (IllegalArgumentException e) {
                    key = null;
                }
            }
            if (key == null || key.length < 16) {
                throw new IOException(file + ": expected lines of 'NAME BASE64KEY'; fix the file, or delete it for a"
                        + " new random " + ServiceSas.OWNER_POLICY + " key");
            }
            out.add(new ServiceSas.Policy(parts[0], key));
        }
        if (out.isEmpty()) {
            throw new IOException(file + " holds no policy; delete it for a new random " + ServiceSas.OWNER_POLICY
                    + " key");
        }
        return List.copyOf(out);
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp folder left behind is harmless
        }
    }
}
