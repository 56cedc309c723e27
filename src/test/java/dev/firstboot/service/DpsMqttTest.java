package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;
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
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The DPS emulator over real MQTT/TLS on loopback, as an X.509 device using the MQTT transport sees it. */
class DpsMqttTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_VERSION = "2019-03-31";
    private static final String RES = "$dps/registrations/res/";
    private static final String REGISTER = "$dps/registrations/PUT/iotdps-register/?$rid=";
    private static final String STATUS = "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=";

    private EmbeddedRig rig;
    private DeviceEndpoints endpoints;

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig();
        endpoints = rig.backend.deviceEndpoints();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private static String username(String registrationId) {
        return EmbeddedRig.ID_SCOPE + "/registrations/" + registrationId + "/api-version=" + API_VERSION
                + "&ClientVersion=firstboot%2Ftest%201.0";
    }

    private static String registerBody(String registrationId) {
        return "{\"registrationId\":\"" + registrationId + "\"}";
    }

    private KeyMaterial enrolled(String registrationId) {
        KeyMaterial key = TestPki.selfSigned(registrationId);
        rig.backend.enrollX509Individual(registrationId, Certificates.der(key.leaf()), Optional.empty(), "hub-a", true);
        return key;
    }

    private DeviceMqtt open(KeyMaterial key) throws Exception {
        return DeviceMqtt.open(endpoints.trustAnchor(), Optional.ofNullable(key), endpoints.dps().getHost(),
                endpoints.dpsMqtt().orElseThrow());
    }

    /** Opens, connects and subscribes as the C SDK does; the caller closes. */
    private DeviceMqtt connected(KeyMaterial key, String registrationId) throws Exception {
        DeviceMqtt mqtt = open(key);
        try {
            assertThat(mqtt.connect(registrationId, username(registrationId))).isZero();
            MqttSubAckMessage suback = (MqttSubAckMessage) mqtt.subscribe(1, RES + "#", MqttQoS.AT_LEAST_ONCE);
            assertThat(suback.payload().grantedQoSLevels()).containsExactly(1);
            return mqtt;
        } catch (Exception | Error e) {
            mqtt.close();
            throw e;
        }
    }

    @Test
    void theEndpointsNameADpsMqttPortBesideTheHttpsOne() {
        InetSocketAddress mqtt = endpoints.dpsMqtt().orElseThrow();
        assertThat(mqtt.getPort()).isPositive().isNotEqualTo(endpoints.dps().getPort());
        assertThat(mqtt.getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    void anEnrolledDeviceRegistersOverMqttIsAssigningWithRetryAfterInTheTopicThenAssignedOnThePoll() throws Exception {
        KeyMaterial key = enrolled("dev-m01");
        String operationId;
        try (DeviceMqtt mqtt = connected(key, "dev-m01")) {
            assertThat(mqtt.publishQos1(REGISTER + "1", registerBody("dev-m01"), 11)).isEqualTo(11);
            DeviceMqtt.Received assigning = mqtt.nextPublish();
            assertThat(assigning.topic()).isEqualTo(RES + "202/?$rid=1&retry-after=1");
            assertThat(assigning.qos()).isEqualTo(1);
            JsonNode first = JSON.readTree(assigning.payload());
            assertThat(first.get("status").asText()).isEqualTo("assigning");
            operationId = first.get("operationId").asText();
            assertThat(operationId).isNotBlank();
            assertThat(rig.backend.registration("dev-m01").orElseThrow().status()).isEqualTo("assigning");

            // Node sends " " when polling; the payload is ignored
            assertThat(mqtt.publishQos1(STATUS + "2&operationId=" + operationId, " ", 12)).isEqualTo(12);
            DeviceMqtt.Received assigned = mqtt.nextPublish();
            assertThat(assigned.topic()).isEqualTo(RES + "200/?$rid=2");
            JsonNode done = JSON.readTree(assigned.payload());
            assertThat(done.get("operationId").asText()).isEqualTo(operationId);
            assertThat(done.get("status").asText()).isEqualTo("assigned");
            JsonNode state = done.get("registrationState");
            assertThat(state.get("registrationId").asText()).isEqualTo("dev-m01");
            assertThat(state.get("assignedHub").asText()).isEqualTo("hub-a.localhost");
            assertThat(state.get("deviceId").asText()).isEqualTo("dev-m01");
            assertThat(state.get("status").asText()).isEqualTo("assigned");
            assertThat(state.get("substatus").asText()).isEqualTo("initialAssignment");
            assertThat(Instant.parse(state.get("createdDateTimeUtc").asText())).isBeforeOrEqualTo(Instant.now());
            assertThat(Instant.parse(state.get("lastUpdatedDateTimeUtc").asText())).isBeforeOrEqualTo(Instant.now());
            assertThat(state.get("etag").asText()).isNotBlank();
            assertThat(state.get("x509").isObject()).isTrue();
        }
        assertThat(rig.backend.hubDevice("hub-a", "dev-m01"))
                .contains(new Backend.HubDeviceState("dev-m01", false, 0, 0));
        Backend.Registration registration = rig.backend.registration("dev-m01").orElseThrow();
        assertThat(registration.status()).isEqualTo("assigned");
        assertThat(registration.presentedChains()).hasSize(2)
                .allSatisfy(chain -> assertThat(chain.get(0)).isEqualTo(Certificates.der(key.leaf())));

        // the device then reaches its hub with the same certificate
        try (DeviceMqtt hub = DeviceMqtt.open(endpoints.trustAnchor(), Optional.of(key), "hub-a.localhost",
                endpoints.resolveHub("hub-a.localhost").orElseThrow())) {
            assertThat(hub.connect("dev-m01", "hub-a.localhost/dev-m01/?api-version=2020-09-30")).isZero();
        }
    }

    @Test
    void everyTimelineEventOfAnMqttExchangeSaysTransportMqtt() throws Exception {
        KeyMaterial key = enrolled("dev-m02");
        try (DeviceMqtt mqtt = connected(key, "dev-m02")) {
            mqtt.publishQos1(REGISTER + "1", registerBody("dev-m02"), 1);
            String op = JSON.readTree(mqtt.nextPublish().payload()).get("operationId").asText();
            mqtt.publishQos1(STATUS + "2&operationId=" + op, "", 2);
            mqtt.nextPublish();
        }
        assertThat(rig.events(EventKind.DPS_CONNECT, "dev-m02")).singleElement().satisfies(e ->
                assertThat(e.attributes()).containsEntry("transport", "mqtt").containsEntry("clientId", "dev-m02")
                        .containsEntry("username", username("dev-m02")));
        assertThat(rig.events(EventKind.DPS_CONNACK, "dev-m02")).singleElement().satisfies(e ->
                assertThat(e.attributes()).containsEntry("transport", "mqtt").containsEntry("returnCode", "0"));
        List<TimelineEvent> requests = rig.events(EventKind.DPS_REQUEST, "dev-m02");
        assertThat(requests).hasSize(2).allSatisfy(e -> assertThat(e.attributes())
                .containsEntry("transport", "mqtt").containsEntry("apiVersion", API_VERSION));
        assertThat(requests.get(0).attributes()).containsEntry("operation", "register").containsEntry("method", "PUT")
                .containsEntry("path", "$dps/registrations/PUT/iotdps-register/");
        assertThat(requests.get(1).attributes()).containsEntry("operation", "status").containsEntry("method", "GET")
                .containsEntry("path", "$dps/registrations/GET/iotdps-get-operationstatus/");
        List<TimelineEvent> responses = rig.events(EventKind.DPS_RESPONSE, "dev-m02");
        assertThat(responses).extracting(e -> e.detail("status")).containsExactly("202", "200");
        assertThat(responses).extracting(e -> e.detail("dpsStatus")).containsExactly("assigning", "assigned");
        assertThat(rig.events(EventKind.DPS_ASSIGNED, "dev-m02")).hasSize(1);
        assertThat(rig.timeline.events()).filteredOn(e -> e.kind() == EventKind.TLS_HANDSHAKE
                && e.subject().equals("dps-mqtt")).anySatisfy(e -> assertThat(e.detail("peer")).isEqualTo("dev-m02"));
    }

    @Test
    void theRidIsEchoedByteForByteWhateverItsForm() throws Exception {
        KeyMaterial key = enrolled("dev-m03");
        String uuid = UUID.randomUUID().toString();
        try (DeviceMqtt mqtt = connected(key, "dev-m03")) {
            String op = null;
            int packet = 1;
            for (String rid : List.of("42", "a b", "%24x", uuid, "0", "\u00e9t\u00e9")) {
                mqtt.publishQos1(REGISTER + rid, registerBody("dev-m03"), packet++);
                DeviceMqtt.Received reply = mqtt.nextPublish();
                assertThat(reply.topic()).isEqualTo(RES + "202/?$rid=" + rid + "&retry-after=1");
                op = JSON.readTree(reply.payload()).get("operationId").asText();
            }
            // C publishes at QoS 0, and some devices put the operation id first
            mqtt.publishQos0("$dps/registrations/GET/iotdps-get-operationstatus/?operationId=" + op + "&$rid=a%20b",
                    "");
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "200/?$rid=a%20b");
        }
    }

    @Test
    void aDeviceThatIsNotEnrolledOrPresentsAnotherCertificateGets401OnTheResponseTopic() throws Exception {
        try (DeviceMqtt mqtt = connected(TestPki.selfSigned("dev-m04"), "dev-m04")) {
            mqtt.publishQos1(REGISTER + "7", registerBody("dev-m04"), 1);
            DeviceMqtt.Received refused = mqtt.nextPublish();
            assertThat(refused.topic()).isEqualTo(RES + "401/?$rid=7");
            JsonNode body = JSON.readTree(refused.payload());
            assertThat(body.get("errorCode").asInt()).isEqualTo(401002);
            assertThat(body.get("message").asText()).isEqualTo("Unauthorized");
        }
        enrolled("dev-m05");
        try (DeviceMqtt mqtt = connected(TestPki.selfSigned("dev-m05"), "dev-m05")) {
            mqtt.publishQos1(REGISTER + "8", registerBody("dev-m05"), 1);
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "401/?$rid=8");
        }
        assertThat(rig.backend.hubDevice("hub-a", "dev-m05")).isEmpty();
        assertThat(rig.events(EventKind.DPS_RESPONSE, "dev-m04")).singleElement().satisfies(e ->
                assertThat(e.attributes()).containsEntry("status", "401").containsEntry("errorCode", "401002"));
    }

    @Test
    void aClientIdOrUsernameThatDoesNotNameTheDeviceInThisScopeIsRefused() throws Exception {
        KeyMaterial key = enrolled("dev-m06");
        record Attempt(String clientId, String username, int returnCode) {
        }
        for (Attempt a : List.of(
                new Attempt("dev-m06", username("dev-other"), 4),
                new Attempt("dev-other", username("dev-m06"), 4),
                new Attempt("dev-m06", "0ne00FFFFFF/registrations/dev-m06/api-version=" + API_VERSION, 4),
                new Attempt("dev-m06", "dev-m06", 4),
                new Attempt("dev-m06", EmbeddedRig.ID_SCOPE + "/devices/dev-m06/api-version=" + API_VERSION, 4),
                new Attempt("dev m06", username("dev m06"), 2))) {
            try (DeviceMqtt mqtt = open(key)) {
                assertThat(mqtt.connect(a.clientId(), a.username())).as(a.toString()).isEqualTo(a.returnCode());
                assertThat(mqtt.closedByHub()).as(a.toString()).isTrue();
            }
        }
        try (DeviceMqtt mqtt = open(key)) {
            assertThat(mqtt.connect("dev-m06", username("dev-m06"), MqttVersion.MQTT_3_1)).isEqualTo(1);
        }
        assertThat(rig.events(EventKind.DPS_CONNACK, "dev-m06")).extracting(e -> e.detail("returnCode"))
                .containsExactly("4", "4", "4", "4", "1");
        assertThat(rig.events(EventKind.DPS_REQUEST, "dev-m06")).isEmpty();
        assertThat(rig.backend.registration("dev-m06")).isEmpty();
    }

    @Test
    void subscriptionsAreGrantedAtQos1AtMostAndOnlyForTheResponseTopics() throws Exception {
        try (DeviceMqtt mqtt = open(enrolled("dev-m07"))) {
            assertThat(mqtt.connect("dev-m07", username("dev-m07"))).isZero();
            assertThat(((MqttSubAckMessage) mqtt.subscribe(3, RES + "#", MqttQoS.EXACTLY_ONCE)).payload()
                    .grantedQoSLevels()).containsExactly(1);
            assertThat(((MqttSubAckMessage) mqtt.subscribe(4, RES + "#", MqttQoS.AT_MOST_ONCE)).payload()
                    .grantedQoSLevels()).containsExactly(0);
            assertThat(((MqttSubAckMessage) mqtt.subscribe(5, "devices/dev-m07/#", MqttQoS.AT_LEAST_ONCE)).payload()
                    .grantedQoSLevels()).containsExactly(0x80);
            mqtt.ping();
        }
    }

    @Test
    void badRequestsAreAnsweredOnTheResponseTopicAndTheConnectionStaysUsable() throws Exception {
        try (DeviceMqtt mqtt = connected(enrolled("dev-m08"), "dev-m08")) {
            mqtt.publishQos1(REGISTER + "1", "not json", 1);
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "400/?$rid=1");
            mqtt.publishQos1("$dps/registrations/PUT/iotdps-register/", registerBody("dev-m08"), 2);
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "400/?$rid=");
            mqtt.publishQos1("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=3", "", 3);
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "400/?$rid=3");
            mqtt.publishQos1(STATUS + "4&operationId=4.0000.nope", "", 4);
            assertThat(mqtt.nextPublish().topic()).startsWith(RES + "4").endsWith("/?$rid=4");
            mqtt.publishQos1("$dps/registrations/DELETE/iotdps-register/?$rid=5", "", 5);
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "404/?$rid=5");

            mqtt.publishQos1(REGISTER + "6", registerBody("dev-m08"), 6);
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "202/?$rid=6&retry-after=1");
        }
    }

    @Test
    void aUsernameWithoutApiVersionIsAcceptedButEveryRequestIsABadRequest() throws Exception {
        try (DeviceMqtt mqtt = open(enrolled("dev-m11"))) {
            assertThat(mqtt.connect("dev-m11", EmbeddedRig.ID_SCOPE + "/registrations/dev-m11/ClientVersion=x"))
                    .isZero();
            mqtt.publishQos1(REGISTER + "1", registerBody("dev-m11"), 1);
            DeviceMqtt.Received reply = mqtt.nextPublish();
            assertThat(reply.topic()).isEqualTo(RES + "400/?$rid=1");
            assertThat(JSON.readTree(reply.payload()).get("message").asText()).contains("api-version");
        }
    }

    @Test
    void aPasswordIsNeverWrittenToTheTimeline() throws Exception {
        String sas = "SharedAccessSignature sr=" + EmbeddedRig.ID_SCOPE
                + "%2Fregistrations%2Fdev-m12&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D&se=1999999999&skn=registration";
        try (DeviceMqtt mqtt = open(enrolled("dev-m12"))) {
            assertThat(mqtt.connect("dev-m12", username("dev-m12"), sas.getBytes(StandardCharsets.UTF_8))).isZero();
            mqtt.publishQos1(REGISTER + "1", registerBody("dev-m12"), 1);
            assertThat(mqtt.nextPublish().topic()).startsWith(RES);
        }
        rig.await(EventKind.DPS_RESPONSE, "dev-m12");
        assertThat(rig.timeline.events()).allSatisfy(e -> assertThat(e.attributes().values())
                .noneMatch(v -> v.contains("c2VjcmV0LXNpZ25hdHVyZQ")));
    }

    @Test
    void garbageNeverStopsTheServerAndTheNextDeviceIsServed() throws Exception {
        KeyMaterial key = enrolled("dev-m09");
        InetSocketAddress dps = endpoints.dpsMqtt().orElseThrow();
        assertThat(RawSocket.plainGarbageIsClosed(dps, "\u0010\u00ffnot tls".getBytes(StandardCharsets.ISO_8859_1)))
                .isTrue();
        assertThat(RawSocket.tlsGarbageIsClosed(TestPki.clientContextTrusting(endpoints.trustAnchor(), Optional.of(key)),
                "localhost", dps, new byte[]{(byte) 0xF0, 0x7F, 1, 2, 3, 4, 5})).isTrue();
        // a CONNECT header that promises more than it sends, then a PUBLISH before any CONNECT
        assertThat(RawSocket.tlsGarbageIsClosed(TestPki.clientContextTrusting(endpoints.trustAnchor(), Optional.of(key)),
                "localhost", dps, new byte[]{0x10, 0x03, 0x00, 0x04, 'M', 0x30, 0x02, 0x00, 0x00})).isTrue();
        try (DeviceMqtt mqtt = open(key)) {
            mqtt.publishQos0(REGISTER + "1", registerBody("dev-m09"));
            assertThat(mqtt.closedByHub()).isTrue();
        }
        try (DeviceMqtt mqtt = connected(key, "dev-m09")) {
            mqtt.publishQos0("devices/dev-m09/messages/events/", "{}");
            assertThat(mqtt.closedByHub()).isTrue();
        }
        try (DeviceMqtt mqtt = connected(key, "dev-m09")) {
            mqtt.publishQos1(REGISTER + "9", registerBody("dev-m09"), 1);
            assertThat(mqtt.nextPublish().topic()).isEqualTo(RES + "202/?$rid=9&retry-after=1");
        }
        assertThat(rig.await(EventKind.TLS_FAILED, "dps-mqtt").detail("reason")).isNotBlank();
    }

    @Test
    void resetForScenarioClosesDpsMqttConnectionsAndCloseReleasesThePort() throws Exception {
        InetSocketAddress dps = endpoints.dpsMqtt().orElseThrow();
        try (DeviceMqtt mqtt = connected(enrolled("dev-m10"), "dev-m10")) {
            rig.backend.resetForScenario();
            assertThat(mqtt.closedByHub()).isTrue();
        }
        Instant before = Instant.now();
        rig.close();
        assertThat(Duration.between(before, Instant.now())).isLessThan(Duration.ofSeconds(10));
        try (java.net.ServerSocket again = new java.net.ServerSocket()) {
            again.setReuseAddress(true);
            again.bind(dps);
            assertThat(again.isBound()).isTrue();
        }
    }
}
