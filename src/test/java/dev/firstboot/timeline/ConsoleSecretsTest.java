package dev.firstboot.timeline;

import dev.firstboot.secret.Redactor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A device that prints a secret it was given is caught on the line it printed it, and the line stays masked. */
class ConsoleSecretsTest {
    private static final String KEY = "c2VjcmV0LWtleS1vZi10aGUtZGV2aWNl";

    private final Redactor redactor = new Redactor();
    private final Timeline timeline = new Timeline(redactor);

    private void print(String line) {
        timeline.record(Origin.DEVICE, EventKind.CONSOLE_LINE, "console", ConsoleSecrets.line(redactor, line));
    }

    @Test
    void theFirstLineThatGaveAKeyAwayIsNamedWithItsNumberAndTheLineBefore() {
        redactor.register(KEY);
        print("booting");
        print("registering unit-7");
        print("key=" + KEY);
        print("key again " + KEY);
        assertThat(ConsoleSecrets.leak(timeline.events(), redactor)).hasValueSatisfying(why -> assertThat(why)
                .contains("line 3").contains("\"key=" + Redactor.MASK + "\"")
                .contains("after line 2: \"registering unit-7\"").doesNotContain(KEY));
    }

    @Test
    void aSasSignatureIsASecretEvenUnregisteredButOneTheDeviceMaskedItselfIsNot() {
        print("token: SharedAccessSignature sr=x&sig=" + Redactor.MASK + "&se=1");
        print("failed: HTTP 401 SharedAccessKey=«masked»");
        assertThat(ConsoleSecrets.leak(timeline.events(), redactor)).isEmpty();
        print("token: SharedAccessSignature sr=x&sig=abcdEFGH1234%3D&se=1");
        assertThat(ConsoleSecrets.leak(timeline.events(), redactor)).hasValueSatisfying(why -> assertThat(why).contains("line 3"));
    }

    @Test
    void linesTheHarnessRecordsAreNotTheDevicesOwn() {
        redactor.register(KEY);
        timeline.record(Origin.HARNESS, EventKind.CONSOLE_LINE, "console", ConsoleSecrets.line(redactor, "typed " + KEY));
        assertThat(ConsoleSecrets.leak(timeline.events(), redactor)).isEmpty();
    }

    @Test
    void aPartOfAUdsIsALeakNamedOnItsLineAndMaskedThere() {
        String uds = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae";
        redactor.register(uds);
        print("INFO: Set DPS UDS successfully.");
        print("UDS: " + uds.substring(0, 32) + "...");
        assertThat(ConsoleSecrets.leak(timeline.events(), redactor)).hasValueSatisfying(why -> assertThat(why)
                .contains("line 2").contains("\"UDS: " + Redactor.MASK + "...\"")
                .contains("after line 1: \"INFO: Set DPS UDS successfully.\"")
                .contains("16 characters of its hex form or 12 of its base64 form")
                .doesNotContain(uds.substring(0, 16)));
    }

    @Test
    void aSasSignatureTheDevicePrintedBeforeItSentItIsFoundOnceTheServiceSawItAndIsMaskedInTheMessage() {
        String signature = "q8Zs0V1eR2nM4tYw9xKjHb7LpQdFgAs3cUiOeTrWnXk=";
        String token = "SharedAccessSignature sr=0ne00FB0001%2Fregistrations%2Funit-7&sig="
                + java.net.URLEncoder.encode(signature, java.nio.charset.StandardCharsets.UTF_8)
                + "&se=1700000000&skn=registration";
        print("signing the registration of unit-7");
        print("signature " + signature);
        assertThat(ConsoleSecrets.leak(timeline.events(), redactor)).as("nobody knows the signature yet").isEmpty();
        redactor.registerSasToken(token); // as the backend does when the emulator sees it
        assertThat(ConsoleSecrets.leak(timeline.events(), redactor)).hasValueSatisfying(why -> assertThat(why)
                .contains("line 2").contains("\"signature " + Redactor.MASK + "\"")
                .contains("after line 1: \"signing the registration of unit-7\"")
                .doesNotContain(signature.substring(0, Redactor.LEAK_BASE64_CHARS)));
        assertThat(redactor.mask(timeline.render())).doesNotContain(signature.substring(10, 22));
    }
}
