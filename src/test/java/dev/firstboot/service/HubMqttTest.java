package dev.firstboot.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub emulator over real MQTT/TLS on loopback, after DPS assigned the device as a real device would get it. */
class HubMqttTest {
    private static final String USERNAME_QUERY = "?api-version=2020-09-30&DeviceClientType=firstboot-test";

    private EmbeddedRig rig;
    private DeviceEndpoints endpoints;

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig(1, List.of("hub-a", "hub-b"));
        endpoints = rig.backend.deviceEndpoints();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    /** Enrolls and provisions a device through DPS, so the hub knows it as it would in a real first boot. */
    private KeyMaterial provisioned(String registrationId, String hub) throws Exception {
        KeyMaterial key = TestPki.selfSigned(registrationId);
        rig.backend.enrollX509Individual(registrationId, Certificates.der(key.leaf()), Optional.empty(), hub, true);
        DeviceHttps device = new DeviceHttps(endpoints, Optional.of(key));
        ObjectMapper json = new ObjectMapper();
        String op = json.readTree(device.register(registrationId).body()).get("operationId").asText();
        assertThat(json.readTree(device.status(registrationId, op).body()).get("status").asText()).isEqualTo("assigned");
        return key;
    }

    private DeviceMqtt open(KeyMaterial key, String hubHost) throws Exception {
        return DeviceMqtt.open(endpoints.trustAnchor(), Optional.ofNullable(key), hubHost,
                endpoints.resolveHub(hubHost).orElseThrow());
    }

    @Test
    void anAssignedDeviceConnectsWithItsCertificateAndItsTelemetryIsAcknowledgedAndCounted() throws Exception {
        KeyMaterial key = provisioned("dev-101", "hub-a");
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-101", "hub-a.localhost/dev-101/" + USERNAME_QUERY)).isZero();
            assertThat(rig.backend.hubDevice("hub-a", "dev-101"))
                    .contains(new Backend.HubDeviceState("dev-101", true, 1, 0));
            assertThat(rig.backend.hubRegistryDevice("hub-a", "dev-101").orElseThrow().connectionState())
                    .isEqualTo(Backend.HubRegistryDevice.CONNECTED);
            assertThat(mqtt.publishQos1("devices/dev-101/messages/events/", "{\"t\":21.5}", 7)).isEqualTo(7);
            assertThat(mqtt.publishQos1("devices/dev-101/messages/events/%24.ct=application%2Fjson", "{}", 8))
                    .isEqualTo(8);
            mqtt.ping();
            MqttMessage suback = mqtt.subscribe(3, "devices/dev-101/messages/devicebound/#", MqttQoS.EXACTLY_ONCE);
            assertThat(((MqttSubAckMessage) suback).payload().grantedQoSLevels()).containsExactly(1);
            assertThat(rig.backend.hubDevice("hub-a", "dev-101").orElseThrow().telemetryCount()).isEqualTo(2);

            mqtt.disconnect();
            assertThat(mqtt.closedByHub()).isTrue();
        }
        rig.await(EventKind.HUB_DISCONNECT, "dev-101");
        assertThat(rig.backend.hubDevice("hub-a", "dev-101"))
                .contains(new Backend.HubDeviceState("dev-101", false, 1, 2));
        Backend.HubRegistryDevice registry = rig.backend.hubRegistryDevice("hub-a", "dev-101").orElseThrow();
        assertThat(registry.connectionState()).isEqualTo(Backend.HubRegistryDevice.DISCONNECTED);
        assertThat(registry.everConnected()).isTrue();
        assertThat(registry.lastActivityTime().orElseThrow())
                .isBeforeOrEqualTo(registry.connectionStateUpdatedTime().orElseThrow());

        TimelineEvent connect = rig.events(EventKind.HUB_CONNECT, "dev-101").get(0);
        assertThat(connect.attributes()).containsEntry("hub", "hub-a").containsEntry("clientId", "dev-101")
                .containsEntry("username", "hub-a.localhost/dev-101/" + USERNAME_QUERY);
        assertThat(rig.events(EventKind.HUB_CONNACK, "dev-101").get(0).attributes())
                .containsEntry("hub", "hub-a").containsEntry("returnCode", "0");
        List<TimelineEvent> publishes = rig.events(EventKind.HUB_PUBLISH, "dev-101");
        assertThat(publishes).hasSize(2);
        assertThat(publishes.get(0).attributes()).containsEntry("hub", "hub-a")
                .containsEntry("topic", "devices/dev-101/messages/events/").containsEntry("qos", "1")
                .containsEntry("bytes", Integer.toString("{\"t\":21.5}".getBytes(StandardCharsets.UTF_8).length));
        assertThat(rig.events(EventKind.HUB_DISCONNECT, "dev-101").get(0).attributes()).containsEntry("hub", "hub-a");
        assertThat(rig.timeline.events()).filteredOn(e -> e.kind() == EventKind.TLS_HANDSHAKE
                && e.subject().equals("hub-a")).anySatisfy(e -> assertThat(e.detail("peer")).isEqualTo("dev-101"));
    }

    @Test
    void twinGetAndReportedPatchAreAnsweredAsSdkSamplesExpect() throws Exception {
        KeyMaterial key = provisioned("dev-120", "hub-a");
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-120", "hub-a.localhost/dev-120/" + USERNAME_QUERY)).isZero();
            MqttMessage suback = mqtt.subscribe(4, "$iothub/twin/res/#", MqttQoS.AT_LEAST_ONCE);
            assertThat(((MqttSubAckMessage) suback).payload().grantedQoSLevels()).containsExactly(1);

            mqtt.publishQos0("$iothub/twin/GET/?$rid=7", "");
            DeviceMqtt.Received twin = mqtt.nextPublish();
            assertThat(twin.topic()).isEqualTo("$iothub/twin/res/200/?$rid=7");
            assertThat(twin.payload()).contains("\"desired\"").contains("\"reported\"").contains("\"$version\":1");

            mqtt.publishQos0("$iothub/twin/PATCH/properties/reported/?$rid=8", "{\"firmware\":\"2.0.0\"}");
            assertThat(mqtt.nextPublish().topic()).isEqualTo("$iothub/twin/res/204/?$rid=8&$version=2");
            mqtt.publishQos0("$iothub/twin/GET/?$rid=9", "");
            assertThat(mqtt.nextPublish().payload()).contains("\"firmware\":\"2.0.0\"").contains("\"$version\":2");

            mqtt.publishQos0("$iothub/twin/PATCH/properties/reported/?$rid=10", "not json");
            assertThat(mqtt.nextPublish().topic()).isEqualTo("$iothub/twin/res/400/?$rid=10");
        }
    }

    @Test
    void aUsernameForAnotherHubOrDeviceIsRefusedWithReturnCode4() throws Exception {
        KeyMaterial key = provisioned("dev-102", "hub-a");
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-102", "hub-b.localhost/dev-102/" + USERNAME_QUERY)).isEqualTo(4);
            assertThat(mqtt.closedByHub()).isTrue();
        }
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-102", "hub-a.localhost/dev-102")).isEqualTo(4);
        }
        assertThat(rig.events(EventKind.HUB_CONNACK, "dev-102").get(0).detail("returnCode")).isEqualTo("4");
        assertThat(rig.backend.hubDevice("hub-a", "dev-102").orElseThrow().connectCount()).isZero();
    }

    @Test
    void aDeviceTheHubDoesNotKnowIsRefusedWithReturnCode2() throws Exception {
        provisioned("dev-103", "hub-a");
        KeyMaterial stranger = TestPki.selfSigned("stranger");
        try (DeviceMqtt mqtt = open(stranger, "hub-a.localhost")) {
            assertThat(mqtt.connect("stranger", "hub-a.localhost/stranger/" + USERNAME_QUERY)).isEqualTo(2);
            assertThat(mqtt.closedByHub()).isTrue();
        }
        // assigned to hub-a, so unknown on hub-b
        KeyMaterial key = TestPki.selfSigned("dev-104");
        rig.backend.enrollX509Individual("dev-104", Certificates.der(key.leaf()), Optional.empty(), "hub-a", true);
        try (DeviceMqtt mqtt = open(key, "hub-b.localhost")) {
            assertThat(mqtt.connect("dev-104", "hub-b.localhost/dev-104/" + USERNAME_QUERY)).isEqualTo(2);
        }
    }

    @Test
    void aCertificateOtherThanTheRegisteredOneIsRefusedWithReturnCode5() throws Exception {
        provisioned("dev-105", "hub-a");
        try (DeviceMqtt mqtt = open(TestPki.selfSigned("dev-105"), "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-105", "hub-a.localhost/dev-105/" + USERNAME_QUERY)).isEqualTo(5);
            assertThat(mqtt.closedByHub()).isTrue();
        }
        try (DeviceMqtt mqtt = open(null, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-105", "hub-a.localhost/dev-105/" + USERNAME_QUERY)).isEqualTo(5);
        }
        assertThat(rig.backend.hubDevice("hub-a", "dev-105").orElseThrow().connected()).isFalse();
    }

    @Test
    void anOtherProtocolLevelIsRefusedWithReturnCode1() throws Exception {
        KeyMaterial key = provisioned("dev-106", "hub-a");
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-106", "hub-a.localhost/dev-106/" + USERNAME_QUERY, MqttVersion.MQTT_3_1))
                    .isEqualTo(1);
        }
    }

    @Test
    void publishingToAnotherDevicesTopicClosesTheConnection() throws Exception {
        KeyMaterial key = provisioned("dev-107", "hub-a");
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-107", "hub-a.localhost/dev-107/" + USERNAME_QUERY)).isZero();
            mqtt.publishQos1NoWait("devices/dev-999/messages/events/", "{}", 1);
            assertThat(mqtt.closedByHub()).isTrue();
        }
        rig.await(EventKind.HUB_DISCONNECT, "dev-107");
        assertThat(rig.backend.hubDevice("hub-a", "dev-107")).contains(new Backend.HubDeviceState("dev-107", false, 1, 0));
    }

    @Test
    void garbageOnTheHubPortIsDroppedAndTheNextDeviceConnects() throws Exception {
        KeyMaterial key = provisioned("dev-108", "hub-a");
        InetSocketAddress hub = endpoints.resolveHub("hub-a.localhost").orElseThrow();
        assertThat(RawSocket.plainGarbageIsClosed(hub, "\u0010\u00ffnot tls".getBytes(StandardCharsets.ISO_8859_1)))
                .isTrue();
        assertThat(RawSocket.tlsGarbageIsClosed(TestPki.clientContextTrusting(endpoints.trustAnchor(), Optional.of(key)),
                "hub-a.localhost", hub, new byte[]{(byte) 0xF0, 0x7F, 1, 2, 3, 4, 5})).isTrue();
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-108", "hub-a.localhost/dev-108/" + USERNAME_QUERY)).isZero();
        }
        assertThat(rig.await(EventKind.TLS_FAILED, "hub-a").detail("reason")).isNotBlank();
    }

    @Test
    void resetForScenarioForgetsDevicesAndClosesTheirConnections() throws Exception {
        KeyMaterial key = provisioned("dev-109", "hub-a");
        try (DeviceMqtt mqtt = open(key, "hub-a.localhost")) {
            assertThat(mqtt.connect("dev-109", "hub-a.localhost/dev-109/" + USERNAME_QUERY)).isZero();
            rig.backend.resetForScenario();
            assertThat(mqtt.closedByHub()).isTrue();
        }
        assertThat(rig.backend.hubDevice("hub-a", "dev-109")).isEmpty();
        assertThat(rig.backend.registration("dev-109")).isEmpty();
    }

    @Test
    void closeReleasesThePorts() throws Exception {
        InetSocketAddress dps = new InetSocketAddress("127.0.0.1", endpoints.dps().getPort());
        InetSocketAddress hub = endpoints.resolveHub("hub-a.localhost").orElseThrow();
        Instant before = Instant.now();
        rig.close();
        assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(10));
        for (InetSocketAddress port : List.of(dps, hub)) {
            try (java.net.ServerSocket again = new java.net.ServerSocket()) {
                again.setReuseAddress(true);
                again.bind(port);
                assertThat(again.isBound()).isTrue();
            }
        }
    }
}
