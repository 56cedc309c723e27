package dev.firstboot.identity.dice;

import dev.firstboot.identity.IdentityException;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UdsTest {
    private static final String SAMPLE = "19e25a259d0c2be03a02d416c05c48ccd0cc7d1743458aae1cb488b074993eae";

    @Test
    void parsesHexPairsHighNibbleFirstInEitherCase() throws Exception {
        assertThat(Uds.parse(SAMPLE)).isEqualTo(HexFormat.of().parseHex(SAMPLE));
        assertThat(Uds.parse(SAMPLE.toUpperCase())).isEqualTo(HexFormat.of().parseHex(SAMPLE));
        assertThat(Uds.parse(SAMPLE)[0]).isEqualTo((byte) 0x19);
    }

    @Test
    void wrongLengthSaysTheLengthButNotTheValue() {
        String shorter = SAMPLE.substring(0, 63);
        assertThatThrownBy(() -> Uds.parse(shorter)).isInstanceOf(IdentityException.class)
                .hasMessageContaining("64").hasMessageContaining("63 characters")
                .message().doesNotContain(shorter.substring(0, 16)).doesNotContain(shorter.substring(40));
        String longer = SAMPLE + "0";
        assertThatThrownBy(() -> Uds.parse(longer)).hasMessageContaining("65 characters")
                .message().doesNotContain(SAMPLE.substring(0, 16));
        assertThatThrownBy(() -> Uds.parse("")).hasMessageContaining("0 characters");
    }

    @Test
    void nonHexSaysThePositionButNotTheValue() {
        String bad = SAMPLE.substring(0, 9) + "g" + SAMPLE.substring(10);
        assertThatThrownBy(() -> Uds.parse(bad)).isInstanceOf(IdentityException.class)
                .hasMessageContaining("position 10")
                .message().doesNotContain(SAMPLE.substring(0, 9)).doesNotContain(SAMPLE.substring(10, 30))
                .doesNotContain("'g'");
        // A non-ASCII digit is not hex to the tool either.
        String arabicDigit = "\u0661" + SAMPLE.substring(1);
        assertThatThrownBy(() -> Uds.parse(arabicDigit)).hasMessageContaining("position 1 ");
        assertThatThrownBy(() -> Uds.parse(SAMPLE.substring(0, 63) + " ")).hasMessageContaining("position 64");
    }
}
