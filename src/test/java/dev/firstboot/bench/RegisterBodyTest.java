package dev.firstboot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RegisterBodyTest {
    @Test
    void aRegistrationIdWithAQuoteAndABackslashStaysOneValidJsonString() throws Exception {
        String id = "bench\"\\0001\",\"payload\":{}";

        JsonNode body = new ObjectMapper().readTree(Wire.registerBody(id));

        assertThat(body.path("registrationId").asText()).isEqualTo(id);
        assertThat(body.size()).isEqualTo(1);
    }
}
