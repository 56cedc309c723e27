package dev.firstboot.service.dps;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** How DPS reads device topics and user names over MQTT, and writes its response topics. */
class DpsTopicTest {
    @Test
    void aRegisterTopicKeepsItsRidRawAndAStatusTopicDecodesItsOperationId() {
        DpsTopic register = DpsTopic.parse("$dps/registrations/PUT/iotdps-register/?$rid=%24x&extra=1");
        assertThat(register.operation()).contains(DeviceRequest.Operation.REGISTER);
        assertThat(register.method()).isEqualTo("PUT");
        assertThat(register.rid()).isEqualTo("%24x");
        assertThat(register.refusal()).isEmpty();

        DpsTopic status = DpsTopic.parse(
                "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=a b&operationId=4.ab%2Ecd.e");
        assertThat(status.operation()).contains(DeviceRequest.Operation.STATUS);
        assertThat(status.rid()).isEqualTo("a b");
        assertThat(status.operationId()).contains("4.ab.cd.e");
        assertThat(status.path()).isEqualTo("$dps/registrations/GET/iotdps-get-operationstatus/");
    }

    @Test
    void topicsWithoutRidOrOperationIdOrForNoOperationAreRefused() {
        assertThat(DpsTopic.parse("$dps/registrations/PUT/iotdps-register/").refusal())
                .hasValueSatisfying(e -> assertThat(e.httpStatus()).isEqualTo(400));
        assertThat(DpsTopic.parse("$dps/registrations/GET/iotdps-get-operationstatus/?$rid=1&operationId=")
                .refusal()).hasValueSatisfying(e -> assertThat(e.httpStatus()).isEqualTo(400));
        DpsTopic unknown = DpsTopic.parse("$dps/registrations/POST/iotdps-register/?$rid=9");
        assertThat(unknown.operation()).isEmpty();
        assertThat(unknown.rid()).isEqualTo("9");
        assertThat(unknown.refusal()).hasValueSatisfying(e -> assertThat(e.httpStatus()).isEqualTo(404));
    }

    @Test
    void theResponseTopicCarriesRetryAfterOnlyWhenTheReplyHasOne() {
        DpsReply assigning = new DpsReply(202, "assigning", 3, Optional.of("op"), "{}", Optional.empty());
        DpsReply assigned = new DpsReply(200, "assigned", 0, Optional.of("op"), "{}", Optional.empty());
        assertThat(DpsTopic.response("1", assigning)).isEqualTo("$dps/registrations/res/202/?$rid=1&retry-after=3");
        assertThat(DpsTopic.response("%24x", assigned)).isEqualTo("$dps/registrations/res/200/?$rid=%24x");
    }

    @Test
    void aUsernameNamesScopeRegistrationIdAndApiVersionWhateverElseItsQueryHolds() {
        assertThat(DpsMqttHandler.Username.parse(
                "0ne00FB0001/registrations/dev-1/api-version=2019-03-31&ClientVersion=azure-iot%2F1.0"))
                .contains(new DpsMqttHandler.Username("0ne00FB0001", "dev-1", Optional.of("2019-03-31")));
        assertThat(DpsMqttHandler.Username.parse("0ne00FB0001/registrations/dev-1/ClientVersion=x&api-version=v"))
                .contains(new DpsMqttHandler.Username("0ne00FB0001", "dev-1", Optional.of("v")));
        assertThat(DpsMqttHandler.Username.parse("0ne00FB0001/registrations/dev-1/"))
                .contains(new DpsMqttHandler.Username("0ne00FB0001", "dev-1", Optional.empty()));
        assertThat(DpsMqttHandler.Username.parse("0ne00FB0001/registrations/dev-1")).isEmpty();
        assertThat(DpsMqttHandler.Username.parse("0ne00FB0001/devices/dev-1/api-version=v")).isEmpty();
        assertThat(DpsMqttHandler.Username.parse("")).isEmpty();
    }
}
