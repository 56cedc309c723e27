package dev.firstboot.identity.dice;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class DiceHashTest {

    @Test
    void differsFromStandardSha256() {
        for (String s : new String[]{"", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64), "a".repeat(200)}) {
            byte[] m = s.getBytes(StandardCharsets.US_ASCII);
            assertThat(DiceHash.digest(m)).as("DICEHASH of %d bytes", m.length).isNotEqualTo(Sha256.of(m)).hasSize(32);
        }
    }

    @Test
    void hashesTheConcatenationOfItsParts() {
        byte[] a = "first part of the message, longer than one block? no".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "a".repeat(90).getBytes(StandardCharsets.US_ASCII);
        byte[] ab = new byte[a.length + b.length];
        System.arraycopy(a, 0, ab, 0, a.length);
        System.arraycopy(b, 0, ab, a.length, b.length);
        assertThat(DiceHash.digest(a, b)).isEqualTo(DiceHash.digest(ab));
        assertThat(DiceHash.digest(a, new byte[0], b)).isEqualTo(DiceHash.digest(ab));
    }

    @ParameterizedTest(name = "{0} bytes")
    @CsvSource({
            "0, 08c5a54e766e56a6f8430524d46fb0fee37b775701c44995daaf36640e33d265",
            "3, 841e7d189d1dd7f223e2794395078044d3ad1a10e885a201c23690d2f5c1aaa4",
            "55, 9ef80dc2dc35700a60aa1d163ba15941604f73c719101367dfa0f34a1b4f12ac",
            "56, 7669e8ee9bc1add5f34908c53fface7cdee6ca32bc4ae9fdf461c62e6c6f7c37",
            "63, 4faa339987ad04b9d02d50b352bc72a5d52c8ff5135bd65f36a47cd3958c8158",
            "64, 423361cc6372b1e1f98541af06110a63f0d89e761cbf27c9b5bb0144eb1e77e7",
            "119, d7a0977f2e4633a16b635f037dc9bd5549665b8b866a225904bb339bcbe33cd9",
            "120, d9863c868f9988e8fedba2632e4fec7de7beee83bd855528b572e29339991b9f"})
    void matchesAnIndependentImplementationAcrossPaddingBoundaries(int length, String expectedHex) {
        // Known answers from a separate Python implementation of the same rules (checked against the vectors'
        // uds_digest); the golden vectors alone cover only 32-, 64- and 1580-byte messages.
        byte[] m = new byte[length];
        for (int i = 0; i < length; i++) {
            m[i] = (byte) i;
        }
        assertThat(HexFormat.of().formatHex(DiceHash.digest(m))).isEqualTo(expectedHex);
    }
}
