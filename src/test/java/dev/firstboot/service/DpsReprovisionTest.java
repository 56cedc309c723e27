package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.dps.TestCa;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Re-registration of an assigned device under each reprovision policy, and the initial twin reaching the hub. */
class DpsReprovisionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USERNAME_QUERY = "?api-version=2020-09-30&DeviceClientType=firstboot-test";
    private static final String TWIN = "\"initialTwin\":{\"tags\":{\"site\":\"lab\"},"
            + "\"properties\":{\"desired\":{\"interval\":30}}}";

    private EmbeddedRig rig;
    private EnrollmentAdmin admin;

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig(0, List.of("hub-a", "hub-b"));
        admin = rig.backend.enrollmentAdmin();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    /** (Re)writes the individual enrollment of {@code key}, statically on {@code hub}, with {@code extra} fields. */
    private void enroll(String id, KeyMaterial key, String hub, String extra) throws Exception {
        ObjectNode doc = (ObjectNode) JSON.readTree("{\"allocationPolicy\":\"static\",\"iotHubs\":[\"" + hub
                + ".localhost\"]" + (extra.isEmpty() ? "" : "," + extra) + "}");
        doc.putObject("attestation").put("type", "x509").putObject("x509").putObject("clientCertificates")
                .putObject("primary").put("certificate", TestCa.pem(key.leaf()));
        admin.put(EnrollmentAdmin.Collection.ENROLLMENTS, id, doc, Optional.empty());
    }

    private static String policy(boolean update, boolean migrate) {
        return "\"reprovisionPolicy\":{\"updateHubAssignment\":" + update + ",\"migrateDeviceData\":" + migrate + "}";
    }

    /** The device's twin as a twin GET on the hub answers it. */
    private JsonNode twinGet(KeyMaterial key, String id, String hub) throws Exception {
        DeviceEndpoints endpoints = rig.backend.deviceEndpoints();
        String host = hub + ".localhost";
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.of(key), host,
                endpoints.resolveHub(host).orElseThrow())) {
            assertThat(mqtt.connect(id, host + "/" + id + "/" + USERNAME_QUERY)).isZero();
            mqtt.subscribe(1, "$iothub/twin/res/#", MqttQoS.AT_LEAST_ONCE);
            mqtt.publishQos0("$iothub/twin/GET/?$rid=1", "");
            DeviceMqtt.Received twin = mqtt.nextPublish();
            assertThat(twin.topic()).isEqualTo("$iothub/twin/res/200/?$rid=1");
            return JSON.readTree(twin.payload());
        }
    }

    /** Reports a property on the hub, so a migration has device data to carry. */
    private void report(KeyMaterial key, String id, String hub) throws Exception {
        DeviceEndpoints endpoints = rig.backend.deviceEndpoints();
        String host = hub + ".localhost";
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.of(key), host,
                endpoints.resolveHub(host).orElseThrow())) {
            assertThat(mqtt.connect(id, host + "/" + id + "/" + USERNAME_QUERY)).isZero();
            mqtt.subscribe(1, "$iothub/twin/res/#", MqttQoS.AT_LEAST_ONCE);
            mqtt.publishQos0("$iothub/twin/PATCH/properties/reported/?$rid=2", "{\"firmware\":\"2.0.0\"}");
            assertThat(mqtt.nextPublish().topic()).startsWith("$iothub/twin/res/204/");
        }
    }

    @Test
    void theEnrollmentsInitialTwinIsWhatTheHubAnswersATwinGetWith() throws Exception {
        KeyMaterial key = TestPki.selfSigned("twin-1");
        enroll("twin-1", key, "hub-a", TWIN);

        Provisioning.Outcome done = Provisioning.provision(rig, key, "twin-1");

        assertThat(done.state().get("substatus").asText()).isEqualTo("initialAssignment");
        JsonNode twin = twinGet(key, "twin-1", "hub-a");
        assertThat(twin.at("/desired/interval").asInt()).isEqualTo(30);
        assertThat(twin.at("/desired/$version").asInt()).isEqualTo(2);
    }

    @Test
    void updateAndMigrateMovesTheDeviceAndCarriesItsTwin() throws Exception {
        KeyMaterial key = TestPki.selfSigned("move-1");
        enroll("move-1", key, "hub-a", TWIN + "," + policy(true, true));
        Provisioning.provision(rig, key, "move-1");
        report(key, "move-1", "hub-a");
        enroll("move-1", key, "hub-b", "\"initialTwin\":{\"properties\":{\"desired\":{\"interval\":99}}},"
                + policy(true, true));

        Provisioning.Outcome again = Provisioning.provision(rig, key, "move-1");

        assertThat(again.state().get("assignedHub").asText()).isEqualTo("hub-b.localhost");
        assertThat(again.state().get("substatus").asText()).isEqualTo("deviceDataMigrated");
        JsonNode twin = twinGet(key, "move-1", "hub-b");
        assertThat(twin.at("/desired/interval").asInt()).isEqualTo(30);
        assertThat(twin.at("/reported/firmware").asText()).isEqualTo("2.0.0");
    }

    @Test
    void updateWithoutMigrationMovesTheDeviceAndResetsItsTwinToTheEnrollments() throws Exception {
        KeyMaterial key = TestPki.selfSigned("move-2");
        enroll("move-2", key, "hub-a", TWIN + "," + policy(true, false));
        Provisioning.provision(rig, key, "move-2");
        report(key, "move-2", "hub-a");
        enroll("move-2", key, "hub-b", "\"initialTwin\":{\"properties\":{\"desired\":{\"interval\":99}}},"
                + policy(true, false));

        Provisioning.Outcome again = Provisioning.provision(rig, key, "move-2");

        assertThat(again.state().get("assignedHub").asText()).isEqualTo("hub-b.localhost");
        assertThat(again.state().get("substatus").asText()).isEqualTo("deviceDataReset");
        JsonNode twin = twinGet(key, "move-2", "hub-b");
        assertThat(twin.at("/desired/interval").asInt()).isEqualTo(99);
        assertThat(twin.at("/reported/firmware").isMissingNode()).isTrue();
    }

    @Test
    void withoutUpdateHubAssignmentTheDeviceStaysOnItsHub() throws Exception {
        KeyMaterial key = TestPki.selfSigned("stay-1");
        enroll("stay-1", key, "hub-a", policy(false, false));
        Provisioning.provision(rig, key, "stay-1");
        enroll("stay-1", key, "hub-b", policy(false, false));

        Provisioning.Outcome again = Provisioning.provision(rig, key, "stay-1");

        assertThat(again.state().get("assignedHub").asText()).isEqualTo("hub-a.localhost");
        assertThat(again.state().get("substatus").asText()).isEqualTo("reprovisionedToInitialAssignment");
        assertThat(rig.backend.hubDevice("hub-b", "stay-1")).isEmpty();
    }

    @Test
    void aDeletedRegistrationRecordMakesTheNextRegistrationAnInitialAssignment() throws Exception {
        KeyMaterial key = TestPki.selfSigned("again-1");
        enroll("again-1", key, "hub-a", policy(false, false));
        Provisioning.provision(rig, key, "again-1");
        JsonNode record = admin.get(EnrollmentAdmin.Collection.REGISTRATIONS, "again-1").orElseThrow();
        assertThat(record.get("assignedHub").asText()).isEqualTo("hub-a.localhost");
        assertThat(record.get("substatus").asText()).isEqualTo("initialAssignment");
        admin.delete(EnrollmentAdmin.Collection.REGISTRATIONS, "again-1", Optional.empty());
        enroll("again-1", key, "hub-b", policy(false, false));

        Provisioning.Outcome again = Provisioning.provision(rig, key, "again-1");

        assertThat(again.state().get("assignedHub").asText()).isEqualTo("hub-b.localhost");
        assertThat(again.state().get("substatus").asText()).isEqualTo("initialAssignment");
    }
}
