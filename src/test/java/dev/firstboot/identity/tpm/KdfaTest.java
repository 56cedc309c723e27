package dev.firstboot.identity.tpm;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class KdfaTest {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * The KDFa self-test vector of the TPM 2.0 reference implementation (KdfTestData.h, SHA-256 branch):
     * label "KDFSELFTESTLABEL" with its terminating zero, 8-byte contexts, 160 bits out.
     */
    @Test
    void matchesTheReferenceImplementationSelfTestVector() {
        byte[] key = HEX.parseHex("271fa08bbdc5060ec3dfa928ff9b73123a12da0c");
        byte[] contextU = HEX.parseHex("ce244f395dca7391");
        byte[] contextV = HEX.parseHex("da504031ddf12e83");

        byte[] out = Kdfa.sha256(key, "KDFSELFTESTLABEL", contextU, contextV, 160);

        assertThat(HEX.formatHex(out)).isEqualTo("bb0259e1c8ba607e6a2cd704b69a902e9ade84c4");
    }

    @Test
    void longerOutputsContinueTheCounterAndKeepTheShortPrefixOnlyWhenBitsAgree() {
        byte[] key = HEX.parseHex("271fa08bbdc5060ec3dfa928ff9b73123a12da0c");
        byte[] out512 = Kdfa.sha256(key, "STORAGE", new byte[0], new byte[0], 512);
        byte[] out256 = Kdfa.sha256(key, "STORAGE", new byte[0], new byte[0], 256);

        assertThat(out512).hasSize(64);
        // bits is part of every block's input, so a 256-bit output is not a prefix of a 512-bit one
        assertThat(java.util.Arrays.copyOf(out512, 32)).isNotEqualTo(out256);
    }
}
