package dev.firstboot.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.hub.C2dDelivery;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.service.hub.MethodOutcome;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Cloud-to-device messages and direct methods from the hub emulator, to a real MQTT/TLS device connection. */
class HubMqttDeliveryTest {
    private static final String USERNAME_QUERY = "?api-version=2020-09-30&DeviceClientType=firstboot-test";
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final Duration QUIET = Duration.ofMillis(300);

    private EmbeddedRig rig;
    private DeviceEndpoints endpoints;
    private IotHubEmulator hub;
    private final ExecutorService caller = Executors.newSingleThreadExecutor();

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig(1, List.of("hub-a"));
        endpoints = rig.backend.deviceEndpoints();
        hub = rig.backend.hub("hub-a").orElseThrow();
    }

    @AfterEach
    void stop() {
        caller.shutdownNow();
        rig.close();
    }

    private KeyMaterial provisioned(String registrationId) throws Exception {
        KeyMaterial key = TestPki.selfSigned(registrationId);
        rig.backend.enrollX509Individual(registrationId, Certificates.der(key.leaf()), Optional.empty(), "hub-a",
                true);
        DeviceHttps device = new DeviceHttps(endpoints, Optional.of(key));
        ObjectMapper json = new ObjectMapper();
        String op = json.readTree(device.register(registrationId).body()).get("operationId").asText();
        assertThat(json.readTree(device.status(registrationId, op).body()).get("status").asText())
                .isEqualTo("assigned");
        return key;
    }

    private DeviceMqtt connected(KeyMaterial key, String deviceId) throws Exception {
        DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.of(key), "hub-a.localhost",
                endpoints.resolveHub("hub-a.localhost").orElseThrow());
        assertThat(mqtt.connect(deviceId, "hub-a.localhost/" + deviceId + "/" + USERNAME_QUERY)).isZero();
        return mqtt;
    }

    private static C2dDelivery done(CompletableFuture<C2dDelivery> delivery) throws Exception {
        return delivery.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void aCloudToDeviceMessageIsPublishedAtQos1WithItsPropertiesAndCompletesOnTheDevicesPuback() throws Exception {
        KeyMaterial key = provisioned("dev-201");
        try (DeviceMqtt mqtt = connected(key, "dev-201")) {
            mqtt.subscribe(2, "devices/dev-201/messages/devicebound/#", MqttQoS.AT_LEAST_ONCE);
            Map<String, String> props = new LinkedHashMap<>();
            props.put("color", "blue green");
            CompletableFuture<C2dDelivery> delivery = hub.sendCloudToDevice("dev-201",
                    "{\"led\":\"on\"}".getBytes(StandardCharsets.UTF_8), props);

            DeviceMqtt.ReceivedWithId got = mqtt.nextPublishWithId();
            assertThat(got.message().qos()).isEqualTo(1);
            assertThat(got.message().payload()).isEqualTo("{\"led\":\"on\"}");
            assertThat(got.message().topic()).startsWith("devices/dev-201/messages/devicebound/%24.mid=")
                    .endsWith("&%24.to=%2Fdevices%2Fdev-201%2Fmessages%2FdeviceBound&color=blue%20green");
            assertThat(delivery).as("not delivered before the PUBACK").isNotDone();

            mqtt.pubAck(got.packetId());
            C2dDelivery outcome = done(delivery);
            assertThat(outcome).isInstanceOf(C2dDelivery.Acknowledged.class);
            assertThat(got.message().topic()).contains("%24.mid=" + outcome.messageId() + "&");
        }
    }

    @Test
    void aMessageSentBeforeTheDeviceSubscribesWaitsAndAnUnacknowledgedOneIsRedeliveredOnTheNextConnection()
            throws Exception {
        KeyMaterial key = provisioned("dev-202");
        CompletableFuture<C2dDelivery> delivery = hub.sendCloudToDevice("dev-202",
                "first".getBytes(StandardCharsets.UTF_8), Map.of());
        String firstTopic;
        try (DeviceMqtt mqtt = connected(key, "dev-202")) {
            assertThat(mqtt.nothingWithin(QUIET)).as("nothing before the device subscribes").isTrue();
            mqtt.subscribe(2, "devices/dev-202/messages/devicebound/#", MqttQoS.AT_LEAST_ONCE);
            DeviceMqtt.ReceivedWithId got = mqtt.nextPublishWithId();
            assertThat(got.message().payload()).isEqualTo("first");
            firstTopic = got.message().topic();
            // the device goes away without PUBACK
        }
        assertThat(delivery).isNotDone();
        try (DeviceMqtt mqtt = connected(key, "dev-202")) {
            mqtt.subscribe(3, "devices/dev-202/messages/devicebound/#", MqttQoS.AT_LEAST_ONCE);
            DeviceMqtt.ReceivedWithId again = mqtt.nextPublishWithId();
            assertThat(again.message().topic()).as("the same message id").isEqualTo(firstTopic);
            mqtt.pubAck(again.packetId());
            assertThat(done(delivery)).isInstanceOf(C2dDelivery.Acknowledged.class);
        }
    }

    @Test
    void aMessageForADeviceTheHubDoesNotKnowIsUndeliveredWithAReason() throws Exception {
        C2dDelivery outcome = done(hub.sendCloudToDevice("nobody", new byte[]{1}, Map.of()));
        assertThat(outcome).isInstanceOfSatisfying(C2dDelivery.Undelivered.class,
                u -> assertThat(u.reason()).contains("no device 'nobody'").contains("provision it"));
    }

    @Test
    void queuedMessagesAreUndeliveredWhenTheHubIsReset() throws Exception {
        provisioned("dev-203");
        CompletableFuture<C2dDelivery> delivery = hub.sendCloudToDevice("dev-203", new byte[]{1}, Map.of());
        rig.backend.resetForScenario();
        assertThat(done(delivery)).isInstanceOfSatisfying(C2dDelivery.Undelivered.class,
                u -> assertThat(u.reason()).contains("reset"));
    }

    @Test
    void aDirectMethodReachesTheSubscribedDeviceAndItsStatusAndPayloadComeBack() throws Exception {
        KeyMaterial key = provisioned("dev-210");
        try (DeviceMqtt mqtt = connected(key, "dev-210")) {
            mqtt.subscribe(2, "$iothub/methods/POST/#", MqttQoS.AT_MOST_ONCE);
            Future<MethodOutcome> call = caller.submit(() -> hub.invokeMethod("dev-210", "reboot", "{\"delay\":1}",
                    DEADLINE));
            DeviceMqtt.Received request = mqtt.nextPublish();
            assertThat(request.topic()).matches("\\$iothub/methods/POST/reboot/\\?\\$rid=[0-9a-f]+");
            assertThat(request.payload()).isEqualTo("{\"delay\":1}");
            String rid = request.topic().substring(request.topic().indexOf("$rid=") + 5);

            mqtt.publishQos0("$iothub/methods/res/202/?$rid=" + rid, "{\"rebooting\":true}");
            assertThat(call.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                    .isEqualTo(new MethodOutcome.Answered(202, "{\"rebooting\":true}"));
        }
    }

    @Test
    void aMethodForADeviceThatIsOfflineOrNotSubscribedEndsAtOnce() throws Exception {
        KeyMaterial key = provisioned("dev-211");
        assertThat(hub.invokeMethod("dev-211", "reboot", "{}", DEADLINE)).isInstanceOfSatisfying(
                MethodOutcome.DeviceOffline.class, o -> assertThat(o.reason()).contains("not connected"));
        try (DeviceMqtt mqtt = connected(key, "dev-211")) {
            assertThat(hub.invokeMethod("dev-211", "reboot", "{}", DEADLINE)).isInstanceOfSatisfying(
                    MethodOutcome.DeviceOffline.class,
                    o -> assertThat(o.reason()).contains("$iothub/methods/POST/#"));
            assertThat(mqtt.nothingWithin(QUIET)).isTrue();
        }
    }

    @Test
    void aMethodTheDeviceDoesNotAnswerTimesOutAndALateAnswerIsIgnored() throws Exception {
        KeyMaterial key = provisioned("dev-212");
        try (DeviceMqtt mqtt = connected(key, "dev-212")) {
            mqtt.subscribe(2, "$iothub/methods/POST/#", MqttQoS.AT_MOST_ONCE);
            Duration timeout = Duration.ofMillis(300);
            assertThat(hub.invokeMethod("dev-212", "slow", "null", timeout))
                    .isEqualTo(new MethodOutcome.TimedOut(timeout));
            String topic = mqtt.nextPublish().topic();
            mqtt.publishQos0("$iothub/methods/res/200/?$rid=" + topic.substring(topic.indexOf("$rid=") + 5), "{}");
            mqtt.ping();
        }
    }

    @Test
    void aMethodEndsAsOfflineWhenTheDeviceDisconnectsBeforeAnswering() throws Exception {
        KeyMaterial key = provisioned("dev-213");
        DeviceMqtt mqtt = connected(key, "dev-213");
        Future<MethodOutcome> call;
        try {
            mqtt.subscribe(2, "$iothub/methods/POST/#", MqttQoS.AT_MOST_ONCE);
            call = caller.submit(() -> hub.invokeMethod("dev-213", "reboot", "{}", Duration.ofSeconds(30)));
            mqtt.nextPublish();
        } finally {
            mqtt.close();
        }
        assertThat(call.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).isInstanceOfSatisfying(
                MethodOutcome.DeviceOffline.class, o -> assertThat(o.reason()).contains("disconnected"));
    }

    @Test
    void aHubOnItsOwnLoopbackAddressIsAssignedByItsIpLiteralAndServesC2dThere() throws Exception {
        String dpsAddress = "127.0.0.1";
        String hubAddress = "127.0." + (1 + new java.util.Random().nextInt(250)) + "." + (2 + new java.util.Random()
                .nextInt(250));
        try (var backend = TestBackends.embeddedOn((o, k, s, a) -> { }, dpsAddress, 0, hubAddress, 0)) {
            DeviceEndpoints here = backend.deviceEndpoints();
            assertThat(backend.hubHost("hub-a")).contains(hubAddress);
            assertThat(here.resolveHub(hubAddress).orElseThrow().getAddress().getHostAddress()).isEqualTo(hubAddress);
            KeyMaterial key = TestPki.selfSigned("dev-220");
            backend.enrollX509Individual("dev-220", Certificates.der(key.leaf()), Optional.empty(), "hub-a", true);
            DeviceHttps https = new DeviceHttps(here, Optional.of(key));
            ObjectMapper json = new ObjectMapper();
            String op = json.readTree(https.register("dev-220").body()).get("operationId").asText();
            assertThat(json.readTree(https.status("dev-220", op).body()).at("/registrationState/assignedHub")
                    .asText()).isEqualTo(hubAddress);
            try (DeviceMqtt mqtt = DeviceMqtt.open(here.trustAnchor(), Optional.of(key), hubAddress,
                    here.resolveHub(hubAddress).orElseThrow())) {
                assertThat(mqtt.connect("dev-220", hubAddress + "/dev-220/" + USERNAME_QUERY)).isZero();
                mqtt.subscribe(2, "devices/dev-220/messages/devicebound/#", MqttQoS.AT_LEAST_ONCE);
                CompletableFuture<C2dDelivery> delivery = TestBackends.hub(backend, "hub-a")
                        .sendCloudToDevice("dev-220", new byte[]{42}, Map.of());
                mqtt.pubAck(mqtt.nextPublishWithId().packetId());
                assertThat(done(delivery)).isInstanceOf(C2dDelivery.Acknowledged.class);
            }
        }
    }

    @Test
    void aMethodNameWithATopicWildcardOrSlashIsRefusedWithTheRule() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> hub.invokeMethod("dev", "a/b", "{}", DEADLINE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without '/'");
    }
}
