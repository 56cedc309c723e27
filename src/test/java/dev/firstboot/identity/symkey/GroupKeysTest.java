package dev.firstboot.identity.symkey;

import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class GroupKeysTest {
    @Test
    void theDerivedKeyIsHmacSha256OfTheRegistrationIdUnderTheGroupKey() {
        // printf 'sensor-0001' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0001…1f -binary | base64
        byte[] groupKey = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
        assertThat(Base64.getEncoder().encodeToString(GroupKeys.derive(groupKey, "sensor-0001")))
                .isEqualTo("WbkztLFvUxBnjcR3ZjuiZsaSF7KCJy20G2CulLF5vtE=");
    }

    @Test
    void eachRegistrationIdGetsItsOwnKey() {
        byte[] groupKey = new byte[32];
        assertThat(GroupKeys.derive(groupKey, "a")).isNotEqualTo(GroupKeys.derive(groupKey, "b")).hasSize(32);
    }
}
