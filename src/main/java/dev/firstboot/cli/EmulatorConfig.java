package dev.firstboot.cli;

import dev.firstboot.service.EmbeddedBackendProvider;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.hub.IotHubEmulator;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code firstboot emulator --config} file. Every field is optional; each bad field is reported by name with what
 * was expected and what was seen.
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
    private static final Pattern ID_SCOPE = Pattern.compile("[A-Za-z0-9]{1,32}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");
    private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Set<String> FIELDS = Set.of("idScope", "host", "bind", "dpsHttps", "dpsMqtt", "hubs",
            "retryAfterSeconds", "servicePolicies", "seed");

    /** A config error: the message names the field, what was expected and what was seen. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static EmulatorConfig defaults() {
        try {
            return from(Map.of(), Path.of(""));
        } catch (Invalid e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    static EmulatorConfig read(Path file) throws Invalid {
        Object doc;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            doc = new Yaml(new LoaderOptions()).load(r);
        } catch (NoSuchFileException e) {
            throw new Invalid("the config file " + file.toAbsolutePath() + " does not exist; check the path, or leave"
                    + " out --config for the defaults");
        } catch (IOException e) {
            throw new Invalid("could not read the config file " + file + ": " + e.getMessage());
        } catch (YAMLException e) {
            throw new Invalid(file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (doc == null) {
            doc = Map.of();
        }
        if (!(doc instanceof Map<?, ?> map)) {
            throw new Invalid(file + ": expected a mapping of fields (idScope: …, host: …), got "
                    + kind(doc));
        }
        Path base = file.toAbsolutePath().getParent();
        return from(map, base == null ? Path.of("") : base);
    }

    static EmulatorConfig from(Map<?, ?> map, Path base) throws Invalid {
        for (Object key : map.keySet()) {
            if (!FIELDS.contains(String.valueOf(key))) {
                throw new Invalid("unknown field '" + key + "'; the fields are " + String.join(", ",
                        new java.util.TreeSet<>(FIELDS)));
            }
        }
        String idScope = string(map, "idScope", EmbeddedBackendProvider.DEFAULT_ID_SCOPE);
        if (!ID_SCOPE.matcher(idScope).matches()) {
            throw new Invalid("idScope: expected 1 to 32 letters and digits like "
                    + EmbeddedBackendProvider.DEFAULT_ID_SCOPE + ", got \"" + idScope + "\"");
        }
        String host = string(map, "host", DEFAULT_HOST);
        if (!HOST.matcher(host).matches()) {
            throw new Invalid("host: expected a host name clients use, like localhost or dps.example.test, got \""
                    + host + "\"");
        }
        String bind = string(map, "bind", DEFAULT_BIND);
        if (!isIp(bind)) {
            throw new Invalid("bind: expected an IP address to listen on, like 127.0.0.1 (this machine only) or"
                    + " 0.0.0.0 (every interface, e.g. in a container), got \"" + bind + "\"");
        }
        int https = port(map, "dpsHttps", DEFAULT_DPS_HTTPS);
        int mqtt = port(map, "dpsMqtt", DEFAULT_DPS_MQTT);
        List<EmulatorStack.Hub> hubs = hubs(map.get("hubs"));
        int retry = integer(map, "retryAfterSeconds", 1, 0, DpsService.MAX_RETRY_AFTER_SECONDS);
        List<ServiceSas.Policy> policies = policies(map.get("servicePolicies"));
        Optional<Path> seed = Optional.empty();
        if (map.get("seed") != null) {
            seed = Optional.of(base.resolve(string(map, "seed", "")).normalize());
        }
        List<Listening> taken = new ArrayList<>();
        taken.add(new Listening("dpsHttps", bind, https));
        claim(taken, new Listening("dpsMqtt", bind, mqtt));
        for (EmulatorStack.Hub h : hubs) {
            claim(taken, new Listening("hubs[" + h.name() + "].port", h.bind().orElse(bind), h.port()));
        }
        return new EmulatorConfig(idScope, host, bind, https, mqtt, hubs, retry, policies, seed);
    }

    /** A listener's address and port, under the config field that set it. */
    private record Listening(String field, String address, int port) {
        boolean clashesWith(Listening other) {
            return port != 0 && port == other.port && (address.equals(other.address) || wildcard(address)
                    || wildcard(other.address));
        }

        private static boolean wildcard(String address) {
            return address.equals("0.0.0.0") || address.equals("::");
        }
    }

    private static void claim(List<Listening> taken, Listening next) throws Invalid {
        for (Listening t : taken) {
            if (next.clashesWith(t)) {
                throw new Invalid(next.field() + ": port " + next.port() + " on " + next.address()
                        + " is already used by " + t.field() + "; every listener needs its own port (or, for a hub,"
                        + " its own 'bind' address)");
            }
        }
        taken.add(next);
    }

    private static List<EmulatorStack.Hub> hubs(Object raw) throws Invalid {
        if (raw == null) {
            return List.of(new EmulatorStack.Hub(DEFAULT_HUB, IotHubEmulator.hostFor(DEFAULT_HUB), DEFAULT_HUB_PORT));
        }
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            throw new Invalid("hubs: expected a list of at least one {name, host, port}, like"
                    + " [{name: hub-a, host: hub-a.localhost, port: 8884}], got " + kind(raw));
        }
        List<EmulatorStack.Hub> hubs = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "hubs[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw new Invalid(at + ": expected {name, host, port}, got " + kind(list.get(i)));
            }
            for (Object k : m.keySet()) {
                if (!Set.of("name", "host", "bind", "port").contains(String.valueOf(k))) {
                    throw new Invalid(at + ": unknown field '" + k + "'; a hub has name, host, bind and port");
                }
            }
            String name = string(m, "name", null, at + ".name");
            if (name == null || !IotHubEmulator.NAME.matcher(name).matches()) {
                throw new Invalid(at + ".name: expected 1 to 50 of a-z, 0-9 and '-', like hub-a, got "
                        + (name == null ? "nothing" : "\"" + name + "\""));
            }
            if (!names.add(name)) {
                throw new Invalid(at + ".name: hub \"" + name + "\" is listed twice");
            }
            String host = string(m, "host", IotHubEmulator.hostFor(name), at + ".host");
            if (!HOST.matcher(host).matches()) {
                throw new Invalid(at + ".host: expected a host name, like " + IotHubEmulator.hostFor(name)
                        + ", got \"" + host + "\"");
            }
            Optional<String> hubBind = Optional.ofNullable(string(m, "bind", null, at + ".bind"));
            if (hubBind.isPresent() && !isIp(hubBind.get())) {
                throw new Invalid(at + ".bind: expected an IP address for this hub to listen on, like 127.0.0.2,"
                        + " got \"" + hubBind.get() + "\"");
            }
            int port = portOf(m.get("port"), DEFAULT_HUB_PORT + i, at + ".port");
            hubs.add(new EmulatorStack.Hub(name, host, hubBind, port));
        }
        return List.copyOf(hubs);
    }

    private static boolean isIp(String address) {
        return address.matches("[0-9.]+|[0-9A-Fa-f:]+");
    }

    private static List<ServiceSas.Policy> policies(Object raw) throws Invalid {
        if (raw == null) {
            return List.of();
        }
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            throw new Invalid("servicePolicies: expected a list of {name, key}, like [{name: "
                    + ServiceSas.OWNER_POLICY + ", key: <base64 of 32 random bytes>}], got " + kind(raw));
        }
        List<ServiceSas.Policy> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "servicePolicies[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m) || !Set.of("name", "key").containsAll(
                    m.keySet().stream().map(String::valueOf).toList())) {
                throw new Invalid(at + ": expected {name, key}");
            }
            String name = string(m, "name", null, at + ".name");
            if (name == null || !KEY_NAME.matcher(name).matches()) {
                throw new Invalid(at + ".name: expected a key name like " + ServiceSas.OWNER_POLICY + ", got "
                        + (name == null ? "nothing" : "\"" + name + "\""));
            }
            Object k = m.get("key");
            byte[] key;
            try {
                key = k instanceof String s ? Base64.getDecoder().decode(s.trim()) : null;
            } catch (IllegalArgumentException e) {
                key = null;
            }
            // the key itself is never echoed: only its shape
            if (key == null || key.length < 16 || key.length > 64) {
                throw new Invalid(at + ".key: expected base64 of 16 to 64 bytes (e.g. 'openssl rand -base64 32'), got "
                        + (k == null ? "nothing" : key == null ? "text that is not base64"
                        : "base64 of " + key.length + " bytes"));
            }
            out.add(new ServiceSas.Policy(name, key));
        }
        return List.copyOf(out);
    }

    private static String string(Map<?, ?> m, String field, String fallback) throws Invalid {
        return string(m, field, fallback, field);
    }

    private static String string(Map<?, ?> m, String field, String fallback, String label) throws Invalid {
        Object v = m.get(field);
        if (v == null) {
            return fallback;
        }
        if (v instanceof String s && !s.isBlank()) {
            return s.trim();
        }
        throw new Invalid(label + ": expected text, got " + kind(v));
    }

    private static int port(Map<?, ?> m, String field, int fallback) throws Invalid {
        return portOf(m.get(field), fallback, field);
    }

    private static int portOf(Object v, int fallback, String label) throws Invalid {
        if (v == null) {
            return fallback;
        }
        if (v instanceof Integer i && i >= 0 && i <= 65535) {
            return i;
        }
        throw new Invalid(label + ": expected a TCP port from 1 to 65535 (0 = any free port), got " + kind(v));
    }

    private static int integer(Map<?, ?> m, String field, int fallback, int min, int max) throws Invalid {
        Object v = m.get(field);
        if (v == null) {
            return fallback;
        }
        if (v instanceof Integer i && i >= min && i <= max) {
            return i;
        }
        throw new Invalid(field + ": expected whole seconds from " + min + " to " + max + ", got " + kind(v));
    }

    private static String kind(Object v) {
        if (v instanceof String s) {
            return "\"" + s + "\"";
        }
        if (v instanceof Map) {
            return "a mapping";
        }
        if (v instanceof List) {
            return "a list";
        }
        return String.valueOf(v);
    }
}
