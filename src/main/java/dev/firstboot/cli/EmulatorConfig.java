package dev.firstboot.cli;

import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigException;
import dev.firstboot.service.BackendFields;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.service.hub.IotHubEmulator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code firstboot emulator --config} file, read like a rig file: the same field names and units as a rig's
 * backend ({@code id-scope}, {@code retry-after: 1s}), and every error at its file, line and field. Every field is
 * optional.
 */
record EmulatorConfig(String idScope, String host, String bind, int dpsHttps, int dpsMqtt,
                      List<EmulatorStack.Hub> hubs, int retryAfterSeconds, List<ServiceSas.Policy> servicePolicies,
                      Optional<Path> seed) {
    static final int DEFAULT_DPS_HTTPS = 8443;
    static final int DEFAULT_DPS_MQTT = 8883;
    static final int DEFAULT_HUB_PORT = 8884;
    static final String DEFAULT_HOST = "localhost";
    static final String DEFAULT_BIND = "127.0.0.1";
    static final String DEFAULT_HUB = "hub-a";
    private static final String[] FIELDS = {"id-scope", "host", "bind", "dps-https", "dps-mqtt", "hubs", "retry-after",
            "service-policies", "seed"};
    /** The names before the config was read like a rig file: each is refused with its new name. */
    private static final Map<String, String> RENAMED = renamed();
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");
    private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    static EmulatorConfig defaults() {
        try {
            return from(PartConfig.empty(Path.of("")));
        } catch (RigException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    static EmulatorConfig read(Path file) throws RigException {
        return from(PartConfig.read(file, "no such config file; check the path, or leave out --config for the defaults",
                "an emulator config is a block of fields (" + String.join(", ", FIELDS) + ")"));
    }

    static EmulatorConfig from(PartConfig c) throws RigException {
        for (Map.Entry<String, String> r : RENAMED.entrySet()) {
            if (c.has(r.getKey())) {
                throw c.error(r.getKey(), "renamed to '" + r.getValue() + "', the name rig files use"
                        + (r.getValue().equals("retry-after") ? "; it takes a duration, like retry-after: 1s" : ""));
            }
        }
        c.allowOnly(FIELDS);
        String idScope = BackendFields.idScope(c).orElse(BackendFields.DEFAULT_ID_SCOPE);
        String host = c.string("host", DEFAULT_HOST).trim();
        if (!HOST.matcher(host).matches()) {
            throw c.error("host", "expected a host name clients use, like localhost or dps.example.test, got \""
                    + host + "\"");
        }
        String bind = c.string("bind", DEFAULT_BIND).trim();
        if (!isIp(bind)) {
            throw c.error("bind", "expected an IP address to listen on, like 127.0.0.1 (this machine only) or"
                    + " 0.0.0.0 (every interface, e.g. in a container), got \"" + bind + "\"");
        }
        int https = c.port("dps-https", DEFAULT_DPS_HTTPS);
        int mqtt = c.port("dps-mqtt", DEFAULT_DPS_MQTT);
        int retry = (int) BackendFields.retryAfter(c).orElse(BackendFields.DEFAULT_RETRY_AFTER).toSeconds();
        List<ServiceSas.Policy> policies = policies(c);
        Optional<Path> seed = c.has("seed") ? Optional.of(c.existingFile("seed")) : Optional.empty();

        List<Listening> taken = new ArrayList<>();
        claim(taken, new Listening(c, "dps-https", bind, https));
        claim(taken, new Listening(c, "dps-mqtt", bind, mqtt));
        List<EmulatorStack.Hub> hubs = new ArrayList<>();
        if (!c.has("hubs")) {
            hubs.add(new EmulatorStack.Hub(DEFAULT_HUB, IotHubEmulator.hostFor(DEFAULT_HUB), DEFAULT_HUB_PORT));
        }
        List<PartConfig> listed = c.sections("hubs");
        if (c.has("hubs") && listed.isEmpty()) {
            throw c.error("hubs", "expected a list of at least one hub, like [{name: hub-a, host: hub-a.localhost,"
                    + " port: 8884}]");
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < listed.size(); i++) {
            EmulatorStack.Hub hub = hub(listed.get(i), DEFAULT_HUB_PORT + i);
            if (!names.add(hub.name())) {
                throw listed.get(i).error("name", "hub \"" + hub.name() + "\" is listed twice");
            }
            claim(taken, new Listening(listed.get(i), "port", hub.bind().orElse(bind), hub.port()));
            hubs.add(hub);
        }
        return new EmulatorConfig(idScope, host, bind, https, mqtt, List.copyOf(hubs), retry, policies, seed);
    }

    private static EmulatorStack.Hub hub(PartConfig h, int defaultPort) throws RigException {
        h.allowOnly("name", "host", "bind", "port");
        Optional<String> name = h.optionalString("name").map(String::trim);
        if (name.isEmpty() || !IotHubEmulator.NAME.matcher(name.get()).matches()) {
            throw h.error("name", "expected 1 to 50 of a-z, 0-9 and '-', like hub-a, got "
                    + name.map(n -> "\"" + n + "\"").orElse("nothing"));
        }
        String host = h.string("host", IotHubEmulator.hostFor(name.get())).trim();
        if (!HOST.matcher(host).matches()) {
            throw h.error("host", "expected a host name, like " + IotHubEmulator.hostFor(name.get()) + ", got \""
                    + host + "\"");
        }
        Optional<String> hubBind = h.optionalString("bind").map(String::trim);
        if (hubBind.isPresent() && !isIp(hubBind.get())) {
            throw h.error("bind", "expected an IP address for this hub to listen on, like 127.0.0.2, got \""
                    + hubBind.get() + "\"");
        }
        return new EmulatorStack.Hub(name.get(), host, hubBind, h.port("port", defaultPort));
    }

    /** A listener's address and port, under the config field that set it. */
    private record Listening(PartConfig section, String field, String address, int port) {
        String label() {
            return section.path().isEmpty() ? field : section.path() + "." + field;
        }

        boolean clashesWith(Listening other) {
            return port != 0 && port == other.port && (address.equals(other.address) || wildcard(address)
                    || wildcard(other.address));
        }

        private static boolean wildcard(String address) {
            return address.equals("0.0.0.0") || address.equals("::");
        }
    }

    private static void claim(List<Listening> taken, Listening next) throws RigException {
        for (Listening t : taken) {
            if (next.clashesWith(t)) {
                throw next.section().error(next.field(), "port " + next.port() + " on " + next.address()
                        + " is already used by " + t.label() + "; every listener needs its own port (or, for a hub,"
                        + " its own 'bind' address)");
            }
        }
        taken.add(next);
    }

    private static boolean isIp(String address) {
        return address.matches("[0-9.]+|[0-9A-Fa-f:]+");
    }

    private static List<ServiceSas.Policy> policies(PartConfig c) throws RigException {
        List<PartConfig> listed = c.sections("service-policies");
        if (c.has("service-policies") && listed.isEmpty()) {
            throw c.error("service-policies", "expected a list of {name, key}, like [{name: "
                    + ServiceSas.OWNER_POLICY + ", key: <base64 of 32 random bytes>}]");
        }
        List<ServiceSas.Policy> out = new ArrayList<>();
        for (PartConfig p : listed) {
            p.allowOnly("name", "key");
            Optional<String> name = p.optionalString("name").map(String::trim);
            if (name.isEmpty() || !KEY_NAME.matcher(name.get()).matches()) {
                throw p.error("name", "expected a key name like " + ServiceSas.OWNER_POLICY + ", got "
                        + name.map(n -> "\"" + n + "\"").orElse("nothing"));
            }
            Optional<String> text = p.optionalString("key");
            byte[] key;
            try {
                key = text.map(k -> Base64.getDecoder().decode(k.trim())).orElse(null);
            } catch (IllegalArgumentException e) {
                key = null;
            }
            // the key itself is never echoed: only its shape
            if (key == null || key.length < 16 || key.length > 64) {
                throw p.error("key", "expected base64 of 16 to 64 bytes (e.g. 'openssl rand -base64 32'), got "
                        + (text.isEmpty() ? "nothing" : key == null ? "text that is not base64"
                        : "base64 of " + key.length + " bytes"));
            }
            out.add(new ServiceSas.Policy(name.get(), key));
        }
        return List.copyOf(out);
    }

    private static Map<String, String> renamed() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("idScope", "id-scope");
        m.put("dpsHttps", "dps-https");
        m.put("dpsMqtt", "dps-mqtt");
        m.put("retryAfterSeconds", "retry-after");
        m.put("servicePolicies", "service-policies");
        return m;
    }
}
