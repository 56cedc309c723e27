package dev.firstboot.device.program;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The variables a device program is given (docs/device-programs.md), in its environment and as {@code {NAME}}
 * placeholders in its command. Only {@code FIRSTBOOT_} names are placeholders, so a shell's own {@code ${HOME}}
 * stays as it is.
 */
final class ProgramVariables {
    static final String DPS_HOST = "FIRSTBOOT_DPS_HOST";
    static final String DPS_HTTPS_PORT = "FIRSTBOOT_DPS_HTTPS_PORT";
    static final String DPS_MQTT_PORT = "FIRSTBOOT_DPS_MQTT_PORT";
    static final String HUB_MQTT_PORT = "FIRSTBOOT_HUB_MQTT_PORT";
    static final String HUB_HOSTS = "FIRSTBOOT_HUB_HOSTS";
    static final String ID_SCOPE = "FIRSTBOOT_ID_SCOPE";
    static final String REGISTRATION_ID = "FIRSTBOOT_REGISTRATION_ID";
    static final String TRANSPORT = "FIRSTBOOT_TRANSPORT";
    static final String TRUST_PEM = "FIRSTBOOT_TRUST_PEM";
    static final String ATTESTATION = "FIRSTBOOT_ATTESTATION";
    static final String SYMMETRIC_KEY = "FIRSTBOOT_SYMMETRIC_KEY";
    static final String CERT_PEM = "FIRSTBOOT_CERT_PEM";
    static final String KEY_PEM = "FIRSTBOOT_KEY_PEM";
    static final String TPM_HOST = "FIRSTBOOT_TPM_HOST";
    static final String TPM_PORT = "FIRSTBOOT_TPM_PORT";
    static final String TPM_CTRL_PORT = "FIRSTBOOT_TPM_CTRL_PORT";

    static final List<String> NAMES = List.of(DPS_HOST, DPS_HTTPS_PORT, DPS_MQTT_PORT, HUB_MQTT_PORT, HUB_HOSTS,
            ID_SCOPE, REGISTRATION_ID, TRANSPORT, TRUST_PEM, ATTESTATION, SYMMETRIC_KEY, CERT_PEM, KEY_PEM, TPM_HOST,
            TPM_PORT, TPM_CTRL_PORT);

    static final Pattern PLACEHOLDER = Pattern.compile("\\{(FIRSTBOOT_[A-Z0-9_]+)}");

    private ProgramVariables() {
    }

    /** The placeholders in {@code text} that are not variables of the contract (a typo, say). */
    static List<String> unknownPlaceholders(String text) {
        return PLACEHOLDER.matcher(text).results().map(m -> m.group(1)).filter(n -> !NAMES.contains(n)).toList();
    }

    /** {@code text} with each {@code {FIRSTBOOT_…}} replaced by its value; a variable not set this boot is empty. */
    static String substitute(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return out.toString();
    }

    static List<String> substitute(List<String> argv, Map<String, String> values) {
        return argv.stream().map(a -> substitute(a, values)).toList();
    }

    /** The program's whole environment: the harness's own, then the rig's extra variables, then the contract's. */
    static Map<String, String> environment(Map<String, String> inherited, Map<String, String> rig,
                                           Map<String, String> values) {
        Map<String, String> env = new LinkedHashMap<>(inherited);
        NAMES.forEach(env::remove);
        env.putAll(rig);
        env.putAll(values);
        return env;
    }
}
