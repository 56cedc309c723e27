package dev.firstboot.device.boot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FirstTelemetryTest {
    @Test
    void aDeviceIdWithAQuoteAndABackslashStaysOneValidJsonString() throws Exception {
        String deviceId = "dev\"ice\\01\",\"firstBoot\":false,\"x\":\"";

        JsonNode message = new ObjectMapper().readTree(FirstBoot.firstTelemetry(deviceId));

        assertThat(message.path("deviceId").asText()).isEqualTo(deviceId);
        assertThat(message.path("messageId").asInt()).isEqualTo(1);
        assertThat(message.path("firstBoot").asBoolean()).isTrue();
        assertThat(message.size()).isEqualTo(3);
    }
}
