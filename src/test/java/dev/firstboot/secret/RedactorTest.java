package dev.firstboot.secret;

import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.Timeline;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RedactorTest {
    private static final String UDS = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae";

    @Test
    void aRegisteredUdsIsMaskedInAnyCase() {
        Redactor r = new Redactor();
        r.register(UDS);
        assertThat(r.mask("set_dps_uds " + UDS.toUpperCase())).isEqualTo("set_dps_uds " + Redactor.MASK);
        assertThat(r.leaks("x" + UDS)).isTrue();
    }

    @Test
    void sasSignaturesAndKeysAreMaskedEvenWhenNobodyRegisteredThem() {
        Redactor r = new Redactor();
        assertThat(r.mask("SharedAccessSignature sr=a%2Fb&sig=abc%2Bdef%3D&se=123&skn=registration"))
                .isEqualTo("SharedAccessSignature sr=a%2Fb&sig=" + Redactor.MASK + "&se=123&skn=registration");
        assertThat(r.mask("HostName=h;SharedAccessKeyName=o;SharedAccessKey=c2VjcmV0"))
                .endsWith("SharedAccessKey=" + Redactor.MASK);
    }

    @Test
    void theTimelineNeverStoresASecret() {
        Redactor r = new Redactor();
        r.register(UDS);
        Timeline t = new Timeline(r);
        t.record(Origin.DEVICE, EventKind.CONSOLE_LINE, "board", Map.of("line", "# set_dps_uds \"" + UDS + "\""));
        assertThat(t.render()).doesNotContain(UDS).contains(Redactor.MASK);
        assertThat(Secret.of(UDS).toString()).isEqualTo(Redactor.MASK);
    }
}
