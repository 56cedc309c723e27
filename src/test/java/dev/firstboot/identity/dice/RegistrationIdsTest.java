package dev.firstboot.identity.dice;

import dev.firstboot.identity.IdentityException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegistrationIdsTest {

    @Test
    void automaticIdIsAzMacAndVersionWithDotsAsV() throws Exception {
        assertThat(RegistrationIds.automatic("a0b1c2d3e4f5", "2.0.0")).isEqualTo("az-a0b1c2d3e4f5v2v0v0");
        assertThat(RegistrationIds.automatic("a0b1c2d3e4f5", "1.10.23")).isEqualTo("az-a0b1c2d3e4f5v1v10v23");
    }

    @Test
    void automaticIdRejectsMacsAndVersionsTheFirmwareWouldNotProduce() {
        assertThatThrownBy(() -> RegistrationIds.automatic("A0B1C2D3E4F5", "2.0.0"))
                .isInstanceOf(IdentityException.class).hasMessageContaining("12 lowercase hex");
        assertThatThrownBy(() -> RegistrationIds.automatic("a0:b1:c2:d3:e4:f5", "2.0.0")).hasMessageContaining("MAC");
        assertThatThrownBy(() -> RegistrationIds.automatic("a0b1c2d3e4f", "2.0.0")).hasMessageContaining("MAC");
        assertThatThrownBy(() -> RegistrationIds.automatic("a0b1c2d3e4f5", "2.0")).hasMessageContaining("2.0.0");
        assertThatThrownBy(() -> RegistrationIds.automatic("a0b1c2d3e4f5", "v2.0.0")).hasMessageContaining("version");
        assertThatThrownBy(() -> RegistrationIds.automatic("a0b1c2d3e4f5", "12345.12345.12345"))
                .hasMessageContaining("32-byte buffer");
    }

    @Test
    void certificateIdsAreLowercaseAlphanumericOrHyphenOneTo126Chars() {
        assertThatCode(() -> RegistrationIds.requireValidForCertificate("a")).doesNotThrowAnyException();
        assertThatCode(() -> RegistrationIds.requireValidForCertificate("x".repeat(126))).doesNotThrowAnyException();
        assertThatThrownBy(() -> RegistrationIds.requireValidForCertificate("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> RegistrationIds.requireValidForCertificate("Device-1"))
                .hasMessageContaining("character 1 is 'D'");
        assertThatThrownBy(() -> RegistrationIds.requireValidForCertificate("dev_1")).hasMessageContaining("'_'");
        assertThatThrownBy(() -> RegistrationIds.requireValidForCertificate("x".repeat(129)))
                .hasMessageContaining("129 characters").hasMessageContaining("128");
    }

    @Test
    void idsOf127And128CharsAreRejectedBecauseTheEncoderCannotWriteThem() {
        for (int n : new int[]{127, 128}) {
            assertThatThrownBy(() -> RegistrationIds.requireValidForCertificate("x".repeat(n)))
                    .isInstanceOf(IdentityException.class)
                    .hasMessageContaining(n + " characters").hasMessageContaining("at most 126");
        }
    }

    @Test
    void idsOver64CharsExceedTheDpsX509Limit() {
        assertThat(RegistrationIds.exceedsDpsX509Limit("x".repeat(64))).isFalse();
        assertThat(RegistrationIds.exceedsDpsX509Limit("x".repeat(65))).isTrue();
    }
}
