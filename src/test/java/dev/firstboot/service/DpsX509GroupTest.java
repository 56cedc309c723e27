package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.dps.TestCa;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** X.509 enrollment groups over the real DPS HTTPS front: devices under a root or an intermediate CA. */
class DpsX509GroupTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddedRig rig;
    private final TestCa root = TestCa.root("fleet-root");
    private final TestCa intermediate = root.intermediate("fleet-intermediate");

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig(0, List.of("hub-a", "hub-b"));
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    @Test
    void aDeviceSignedByAnEnrolledRootJoinsTheGroupWithItsCnAsDeviceId() throws Exception {
        rig.backend.enrollX509Group("fleet", root.der(), "hub-a", true);
        KeyMaterial key = root.leaf("sensor-001");

        Provisioning.Outcome done = Provisioning.provision(rig, key, "sensor-001");

        assertThat(done.status()).isEqualTo("assigned");
        assertThat(done.state().get("deviceId").asText()).isEqualTo("sensor-001");
        assertThat(done.state().get("assignedHub").asText()).isEqualTo("hub-a.localhost");
        assertThat(done.state().at("/x509/enrollmentGroupId").asText()).isEqualTo("fleet");
        assertThat(rig.backend.hubDevice("hub-a", "sensor-001")).isPresent();
        assertThat(rig.backend.enrollmentAdmin().get(EnrollmentAdmin.Collection.REGISTRATIONS, "sensor-001")
                .orElseThrow().get("status").asText()).isEqualTo("assigned");
    }

    @Test
    void theFirstIntermediateOfThePresentedChainIsMatchedBeforeTheRoot() throws Exception {
        rig.backend.enrollX509Group("by-root", root.der(), "hub-b", true);
        rig.backend.enrollX509Group("by-intermediate", intermediate.der(), "hub-a", true);
        KeyMaterial key = intermediate.leaf("sensor-002");
        assertThat(key.chain()).hasSize(2);

        Provisioning.Outcome done = Provisioning.provision(rig, key, "sensor-002");

        assertThat(done.status()).isEqualTo("assigned");
        assertThat(done.state().at("/x509/enrollmentGroupId").asText()).isEqualTo("by-intermediate");
        assertThat(done.state().get("assignedHub").asText()).isEqualTo("hub-a.localhost");
    }

    @Test
    void aRootTheDeviceDoesNotPresentIsFoundAsTheIssuerOfItsLastCertificate() throws Exception {
        rig.backend.enrollX509Group("by-root", root.der(), "hub-b", true);

        Provisioning.Outcome done = Provisioning.provision(rig, intermediate.leaf("sensor-003"), "sensor-003");

        assertThat(done.status()).isEqualTo("assigned");
        assertThat(done.state().at("/x509/enrollmentGroupId").asText()).isEqualTo("by-root");
        assertThat(done.state().get("assignedHub").asText()).isEqualTo("hub-b.localhost");
    }

    @Test
    void aGroupOnAVerifiedCaReferenceTakesTheDevicesUnderIt() throws Exception {
        EnrollmentAdmin admin = rig.backend.enrollmentAdmin();
        admin.putCertificate("fleet-ca", root.pem());
        String code = admin.generateVerificationCode("fleet-ca").at("/properties/verificationCode").asText();
        admin.verifyCertificate("fleet-ca", TestCa.pem(root.verification(code)));
        ObjectNode group = (ObjectNode) new ObjectMapper().readTree("{\"attestation\":{\"type\":\"x509\",\"x509\":"
                + "{\"caReferences\":{\"primary\":\"fleet-ca\"}}},\"iotHubs\":[\"hub-b.localhost\"],"
                + "\"allocationPolicy\":\"static\"}");
        admin.put(EnrollmentAdmin.Collection.ENROLLMENT_GROUPS, "by-reference", group, Optional.empty());

        Provisioning.Outcome done = Provisioning.provision(rig, intermediate.leaf("sensor-004"), "sensor-004");

        assertThat(done.status()).isEqualTo("assigned");
        assertThat(done.state().at("/x509/enrollmentGroupId").asText()).isEqualTo("by-reference");
        assertThat(done.state().get("assignedHub").asText()).isEqualTo("hub-b.localhost");
    }

    @Test
    void anIndividualEnrollmentForTheLeafBeatsTheGroup() throws Exception {
        rig.backend.enrollX509Group("by-intermediate", intermediate.der(), "hub-a", true);
        KeyMaterial key = intermediate.leaf("sensor-005");
        rig.backend.enrollX509Individual("sensor-005", Certificates.der(key.leaf()), Optional.of("special-005"),
                "hub-b", true);

        Provisioning.Outcome done = Provisioning.provision(rig, key, "sensor-005");

        assertThat(done.status()).isEqualTo("assigned");
        assertThat(done.state().get("deviceId").asText()).isEqualTo("special-005");
        assertThat(done.state().get("assignedHub").asText()).isEqualTo("hub-b.localhost");
        assertThat(done.state().at("/x509/enrollmentGroupId").isMissingNode()).isTrue();
    }

    @Test
    void aLeafThatPresentsTheGroupCertificateButIsNotSignedByItIsRefused() throws Exception {
        rig.backend.enrollX509Group("by-intermediate", intermediate.der(), "hub-a", true);
        // Same issuer name as the enrolled intermediate, another key: only the signature tells them apart.
        KeyMaterial forged = TestCa.root("fleet-intermediate").leaf("sensor-006");
        KeyMaterial presenting = new KeyMaterial(forged.key(), List.of(forged.leaf(), intermediate.certificate()));

        Provisioning.Outcome refused = Provisioning.provision(rig, presenting, "sensor-006");

        assertThat(refused.httpStatus()).isEqualTo(401);
        assertThat(rig.backend.registration("sensor-006").orElseThrow().status()).isEqualTo("unauthorized");
        assertThat(rig.backend.hubDevice("hub-a", "sensor-006")).isEmpty();
    }

    @Test
    void anExpiredLeafIsRefusedEvenUnderAnEnrolledCa() throws Exception {
        rig.backend.enrollX509Group("fleet", root.der(), "hub-a", true);

        Provisioning.Outcome refused = Provisioning.provision(rig, root.leaf("sensor-007", Duration.ofDays(-1)),
                "sensor-007");

        assertThat(refused.httpStatus()).isEqualTo(401);
    }

    @Test
    void aDeviceOfADisabledGroupIsToldDisabled() throws Exception {
        rig.backend.enrollX509Group("fleet", root.der(), "hub-a", false);

        Provisioning.Outcome done = Provisioning.provision(rig, root.leaf("sensor-008"), "sensor-008");

        assertThat(done.status()).isEqualTo("disabled");
        assertThat(rig.backend.hubDevice("hub-a", "sensor-008")).isEmpty();
    }

    @Test
    void overMqttTheChainTheDevicePresentsIsMatchedTheSameWay() throws Exception {
        rig.backend.enrollX509Group("by-intermediate", intermediate.der(), "hub-b", true);
        KeyMaterial key = intermediate.leaf("sensor-010");
        DeviceEndpoints endpoints = rig.backend.deviceEndpoints();
        String res = "$dps/registrations/res/";
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.of(key), endpoints.dps().getHost(),
                endpoints.dpsMqtt().orElseThrow())) {
            assertThat(mqtt.connect("sensor-010", EmbeddedRig.ID_SCOPE
                    + "/registrations/sensor-010/api-version=2019-03-31&ClientVersion=firstboot%2Ftest")).isZero();
            mqtt.subscribe(1, res + "#", MqttQoS.AT_LEAST_ONCE);
            mqtt.publishQos1("$dps/registrations/PUT/iotdps-register/?$rid=1", "{\"registrationId\":\"sensor-010\"}",
                    11);
            DeviceMqtt.Received assigning = mqtt.nextPublish();
            assertThat(assigning.topic()).startsWith(res + "202/?$rid=1");
            String operationId = JSON.readTree(assigning.payload()).get("operationId").asText();
            mqtt.publishQos1("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=2&operationId=" + operationId,
                    "", 12);
            DeviceMqtt.Received assigned = mqtt.nextPublish();
            assertThat(assigned.topic()).isEqualTo(res + "200/?$rid=2");
            JsonNode state = JSON.readTree(assigned.payload()).get("registrationState");
            assertThat(state.at("/x509/enrollmentGroupId").asText()).isEqualTo("by-intermediate");
            assertThat(state.get("assignedHub").asText()).isEqualTo("hub-b.localhost");
        }
    }

    @Test
    void aDeviceUnderNoEnrolledCaIsRefused() throws Exception {
        rig.backend.enrollX509Group("fleet", root.der(), "hub-a", true);

        Provisioning.Outcome refused = Provisioning.provision(rig, TestCa.root("other").leaf("sensor-009"),
                "sensor-009");

        assertThat(refused.httpStatus()).isEqualTo(401);
    }
}
