package dev.firstboot.device.program;

import dev.firstboot.identity.RegistrationId;
import dev.firstboot.device.tpm.Swtpm;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code kind: program}: the user's own device program, started for each scenario (docs/device-programs.md).
 * <pre>
 * device:
 *   kind: program
 *   command: [node, ../device-programs/node/device.js]   # or one string, run by /bin/sh -c
 *   directory: .              # where it runs; default the rig file's folder
 *   attestation: symmetric-key   # symmetric-key (default), x509 or tpm
 *   transport: https          # https (default) or mqtt: FIRSTBOOT_TRANSPORT (tpm: https only)
 *   tpm-protocol: swtpm       # tpm only: swtpm (default), or mssim to serve the MS TPM simulator on 2321/2322
 *   registration-id: program-device-01   # not for tpm: derived from the scenario's EK
 *   start-deadline: 20s       # the program must print its first line by then
 *   stop-deadline: 5s         # SIGTERM to its process group, SIGKILL after this
 *   output-limit: 10000       # console lines per boot; more is a flood and the program is killed
 *   milestones:               # regexes with named groups; default: the reference programs' lines
 *     hub-connected: 'connected hub=(?&lt;hub&gt;\S+) device=(?&lt;device&gt;\S+)'
 *   environment:              # extra variables for the program
 *     FIRSTBOOT_REFERENCE_DEFECTS: wrong-hub
 *   requires: [../device-programs/node/node_modules]   # files it needs; without them it is unavailable here
 *   certificate: device.pem   # x509 only: a device with its own certificate; the harness enrolls this leaf
 *   private-key: device-key.pem   # with certificate: its key, only so the harness knows it as a secret
 *   symmetric-key-variable: MY_DEVICE_KEY   # symmetric-key only: its own key, base64, in this variable
 * </pre>
 */
public final class ProgramDeviceProvider implements DeviceProvider {
    static final String DEFAULT_REGISTRATION_ID = "program-device-01";
    static final Duration DEFAULT_START_DEADLINE = Duration.ofSeconds(20);
    static final Duration DEFAULT_STOP_DEADLINE = Duration.ofSeconds(5);
    static final int DEFAULT_OUTPUT_LIMIT = 10_000;
    private static final String[] FIELDS = {"kind", "command", "directory", "attestation", "transport",
            "registration-id", "start-deadline", "stop-deadline", "output-limit", "milestones", "environment",
            "requires", "certificate", "private-key", "symmetric-key-variable", "tpm-protocol"};
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    @Override
    public Set<String> capabilityTags() {
        return Set.of("own-identity", "x509-issued", "symmetric-key", "tpm");
    }

    @Override
    public String kind() {
        return "program";
    }

    @Override
    public String description() {
        return "the user's own device program: a command started per scenario, given endpoints and credentials"
                + " in FIRSTBOOT_* variables";
    }

    @Override
    public Spec<Device> configure(PartConfig config) throws RigException {
        config.allowOnly(FIELDS);
        List<String> argv = command(config);
        Path directory = config.has("directory")
                ? config.baseDirectory().resolve(config.string("directory")).normalize() : config.baseDirectory();
        if (!Files.isDirectory(directory)) {
            throw config.error("directory", "no such folder: " + directory + " (relative to the rig file's folder)");
        }
        ProgramSettings.Attestation attestation = attestation(config);
        String transport = config.string("transport", "https");
        if (!transport.equals("https") && !transport.equals("mqtt")) {
            throw config.error("transport", "expected https or mqtt (how the program reaches DPS), got \""
                    + transport + "\"");
        }
        boolean tpm = attestation == ProgramSettings.Attestation.TPM;
        if (tpm && transport.equals("mqtt")) {
            throw config.error("transport", "DPS takes TPM attestation over HTTPS (and AMQP), never over MQTT, and no"
                    + " Azure IoT SDK offers it there; use transport: https with attestation: tpm");
        }
        if (tpm && config.has("registration-id")) {
            throw config.error("registration-id", "with attestation: tpm the registration id is the one derived from"
                    + " the EK of the scenario's TPM, as DPS and the SDKs derive it; leave registration-id out");
        }
        ProgramSettings.TpmProtocol tpmProtocol = tpmProtocol(config, tpm);
        String registrationId = config.string("registration-id", DEFAULT_REGISTRATION_ID);
        Optional<String> idProblem = RegistrationId.problem("the registration id", registrationId,
                attestation == ProgramSettings.Attestation.X509);
        if (idProblem.isPresent()) {
            throw config.error("registration-id", idProblem.get());
        }
        Duration start = positive(config, "start-deadline", DEFAULT_START_DEADLINE);
        Duration stop = positive(config, "stop-deadline", DEFAULT_STOP_DEADLINE);
        int outputLimit = config.integer("output-limit", DEFAULT_OUTPUT_LIMIT, 10, 1_000_000);
        Milestones milestones = milestones(config);
        Map<String, String> environment = environment(config);
        Optional<Path> certificate = Optional.empty();
        if (config.has("certificate")) {
            if (attestation != ProgramSettings.Attestation.X509) {
                throw config.error("certificate", "a certificate is for attestation: x509");
            }
            certificate = Optional.of(config.existingFile("certificate"));
        }
        Optional<Path> privateKey = Optional.empty();
        if (config.has("private-key")) {
            if (certificate.isEmpty()) {
                throw config.error("private-key", "a private key goes with the device's own certificate; add"
                        + " certificate: (the leaf) beside it, or leave private-key out");
            }
            privateKey = Optional.of(config.existingFile("private-key"));
        }
        Optional<String> keyVariable = config.optionalString("symmetric-key-variable");
        if (keyVariable.isPresent()) {
            if (attestation != ProgramSettings.Attestation.SYMMETRIC_KEY) {
                throw config.error("symmetric-key-variable", "a symmetric key is for attestation: symmetric-key");
            }
            if (!VARIABLE.matcher(keyVariable.get()).matches()) {
                throw config.error("symmetric-key-variable", "expected the NAME of an environment variable that"
                        + " holds the device's key (never the key itself), got a value that is not a variable name");
            }
        }
        Map<String, String> unavailable = new TreeMap<>();
        Optional<String> missing = missing(argv, directory, config);
        ProgramSettings settings = new ProgramSettings(argv, directory, attestation, transport, registrationId,
                start, stop, milestones, outputLimit, environment, certificate, privateKey, keyVariable, tpmProtocol);
        Set<String> capabilities = capabilities(settings);
        missing.or(() -> tpm && !Swtpm.installed() ? Optional.of(Swtpm.NOT_INSTALLED) : Optional.empty())
                .ifPresent(why -> capabilities.forEach(c -> unavailable.put(c, why)));
        return new Spec<>() {

            @Override
            public int instances() {
                return settings.tpmProtocol() == ProgramSettings.TpmProtocol.MSSIM ? 1 : Integer.MAX_VALUE;
            }
            @Override
            public Set<String> capabilities() {
                return capabilities;
            }

            @Override
            public Map<String, String> unavailable() {
                return unavailable;
            }

            @Override
            public Device start(RigContext context) throws RigException {
                return ProgramDevice.start(context, settings);
            }
        };
    }

    /** What scenarios a program can serve: the facets {@link ProgramDevice} offers for its settings. */
    static Set<String> capabilities(ProgramSettings s) {
        if (s.ownIdentity()) {
            return Set.of("own-identity");
        }
        return Set.of(switch (s.attestation()) {
            case X509 -> "x509-issued";
            case TPM -> "tpm";
            case SYMMETRIC_KEY -> "symmetric-key";
        });
    }

    private static List<String> command(PartConfig config) throws RigException {
        if (!config.has("command")) {
            throw config.error("missing field: command (the program to start, like [node, device.js])");
        }
        List<String> words = config.strings("command");
        if (words.isEmpty() || words.get(0).isBlank()) {
            throw config.error("command", "expected the program to start, like [node, device.js] or \"./device\"");
        }
        for (String w : words) {
            List<String> unknown = ProgramVariables.unknownPlaceholders(w);
            if (!unknown.isEmpty()) {
                throw config.error("command", "unknown placeholder {" + unknown.get(0) + "}; the placeholders are "
                        + String.join(", ", ProgramVariables.NAMES.stream().map(n -> "{" + n + "}").toList()));
            }
        }
        boolean shell = config.isSingleValue("command");
        return shell ? List.of("/bin/sh", "-c", words.get(0)) : words;
    }

    private static ProgramSettings.Attestation attestation(PartConfig config) throws RigException {
        String name = config.string("attestation", "symmetric-key");
        for (ProgramSettings.Attestation a : ProgramSettings.Attestation.values()) {
            if (a.configName.equals(name)) {
                return a;
            }
        }
        throw config.error("attestation", "expected symmetric-key, x509 or tpm, got \"" + name + "\"");
    }

    private static ProgramSettings.TpmProtocol tpmProtocol(PartConfig config, boolean tpm) throws RigException {
        if (!config.has("tpm-protocol")) {
            return ProgramSettings.TpmProtocol.SWTPM;
        }
        if (!tpm) {
            throw config.error("tpm-protocol", "a TPM protocol is for attestation: tpm");
        }
        String name = config.string("tpm-protocol");
        for (ProgramSettings.TpmProtocol p : ProgramSettings.TpmProtocol.values()) {
            if (p.configName.equals(name)) {
                return p;
            }
        }
        throw config.error("tpm-protocol", "expected swtpm (the program dials swtpm's own ports, given in"
                + " FIRSTBOOT_TPM_PORT and FIRSTBOOT_TPM_CTRL_PORT) or mssim (the harness also serves the Microsoft TPM"
                + " simulator's protocol on 127.0.0.1:2321 and 2322), got \"" + name + "\"");
    }

    private static Duration positive(PartConfig config, String key, Duration fallback) throws RigException {
        Duration d = config.duration(key, fallback);
        if (d.isZero() || d.toMinutes() > 10) {
            throw config.error(key, "expected a duration above 0 and at most 10m, got " + d.toMillis() + " ms");
        }
        return d;
    }

    private static Milestones milestones(PartConfig config) throws RigException {
        Optional<PartConfig> section = config.section("milestones");
        Map<String, String> texts = new LinkedHashMap<>();
        if (section.isEmpty()) {
            Milestones.NAMES.forEach(n -> texts.put(n, Milestones.REFERENCE.get(n)));
        } else {
            section.get().allowOnly(Milestones.NAMES.toArray(String[]::new));
            for (String n : Milestones.NAMES) {
                section.get().optionalString(n).ifPresent(t -> texts.put(n, t));
            }
        }
        Map<String, Pattern> patterns = new LinkedHashMap<>();
        for (Map.Entry<String, String> t : texts.entrySet()) {
            Pattern p;
            try {
                p = Pattern.compile(t.getValue());
            } catch (PatternSyntaxException e) {
                throw section.orElseThrow().error(t.getKey(), "not a valid regular expression: "
                        + e.getDescription() + " near index " + e.getIndex());
            }
            if (t.getKey().equals(Milestones.HUB_CONNECTED) && !Milestones.groupNames(p).contains("hub")) {
                throw section.orElseThrow().error(t.getKey(), "the hub-connected pattern needs a named group for"
                        + " the hub host, like 'connected to (?<hub>\\S+)'; add (?<device>…) for the device id");
            }
            for (String group : Milestones.groupNames(p)) {
                if (!Milestones.GROUPS.contains(group)) {
                    throw section.orElseThrow().error(t.getKey(), "a milestone pattern's named groups may be "
                            + Milestones.GROUPS + ", got (?<" + group + ">…); use one of those, or an unnamed group");
                }
            }
            patterns.put(t.getKey(), p);
        }
        if (!patterns.containsKey(Milestones.HUB_CONNECTED) || !patterns.containsKey(Milestones.FAILED)) {
            throw section.orElseThrow().error("the milestones need at least hub-connected and failed, so the harness"
                    + " can tell how a boot ended");
        }
        return new Milestones(patterns);
    }

    private static Map<String, String> environment(PartConfig config) throws RigException {
        Optional<PartConfig> section = config.section("environment");
        Map<String, String> env = new LinkedHashMap<>();
        if (section.isEmpty()) {
            return env;
        }
        // The block's own keys are the names; read them back through the config so each error has its line.
        for (String name : section.get().keys()) {
            if (!VARIABLE.matcher(name).matches()) {
                throw section.get().error(name, "an environment variable name is letters, digits and '_'");
            }
            if (ProgramVariables.NAMES.contains(name)) {
                throw section.get().error(name, "the harness sets " + name + " itself for each boot");
            }
            env.put(name, section.get().string(name));
        }
        return env;
    }

    /** Why the program cannot run on this machine: its command or a file it requires is not here. */
    private static Optional<String> missing(List<String> argv, Path directory, PartConfig config) throws RigException {
        for (String required : config.strings("requires")) {
            Path p = config.baseDirectory().resolve(required).normalize();
            if (!Files.exists(p)) {
                return Optional.of("the program needs " + p + ", which is not here (see the rig file's comments"
                        + " for how to install it)");
            }
        }
        String program = argv.get(0).equals("/bin/sh") ? firstWord(argv.get(2)) : argv.get(0);
        if (program.isEmpty() || ProgramVariables.PLACEHOLDER.matcher(program).find()) {
            return Optional.empty();
        }
        if (program.contains("/")) {
            Path p = directory.resolve(program).normalize();
            return Files.isExecutable(p) ? Optional.empty()
                    : Optional.of("the program " + p + " does not exist or is not executable");
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.empty();
            }
        }
        return Optional.of("the program \"" + program + "\" is not installed here (not on PATH)");
    }

    /** The program a shell command starts, past {@code exec}; empty when it cannot be told without a shell. */
    private static String firstWord(String shellCommand) {
        String[] words = shellCommand.trim().split("\\s+");
        int i = words.length > 1 && words[0].equals("exec") ? 1 : 0;
        String first = words[i];
        return first.contains("=") || first.contains("$") || first.contains("'") || first.contains("\"")
                || first.contains(";") ? "" : first;
    }
}
