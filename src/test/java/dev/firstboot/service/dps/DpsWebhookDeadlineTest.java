package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.admin.EnrollmentAdmin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** A custom-allocation webhook that never answers: the device is told assigning, then failed at the deadline. */
class DpsWebhookDeadlineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCOPE = "0ne00FB0001";

    private final CountDownLatch release = new CountDownLatch(1);
    private final DpsService dps = new DpsService(SCOPE, 0, (hub, deviceId, credential) -> hub,
            (origin, kind, subject, attributes) -> { });
    private HttpServer webhook;

    @AfterEach
    void stop() {
        release.countDown();
        if (webhook != null) {
            webhook.stop(0);
        }
        dps.close();
    }

    @Test
    void aWebhookThatNeverAnswersFailsTheRegistrationAtTheDeadlineAndNeverBlocksDps() throws Exception {
        webhook = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        webhook.createContext("/slow", exchange -> {
            try (exchange) {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        webhook.start();
        dps.setWebhookDeadline(Duration.ofSeconds(2));
        KeyMaterial key = TestPki.selfSigned("slow-1");
        ObjectNode doc = (ObjectNode) JSON.readTree("{\"allocationPolicy\":\"custom\",\"iotHubs\":[\"hub-a\"],"
                + "\"customAllocationDefinition\":{\"webhookUrl\":\"http://127.0.0.1:" + webhook.getAddress().getPort()
                + "/slow\",\"apiVersion\":\"2021-10-01\"}}");
        doc.putObject("attestation").put("type", "x509").putObject("x509").putObject("clientCertificates")
                .putObject("primary").put("certificate", TestCa.pem(key.leaf()));
        dps.admin().put(EnrollmentAdmin.Collection.ENROLLMENTS, "slow-1", doc, Optional.empty());
        List<byte[]> chain = List.of(Certificates.der(key.leaf()));

        DpsReply accepted = dps.handle(new DeviceRequest(DeviceRequest.Operation.REGISTER, SCOPE, "slow-1",
                Optional.empty(), Optional.of("2021-06-01"), chain,
                "{\"registrationId\":\"slow-1\"}".getBytes(StandardCharsets.UTF_8), Optional.empty()));
        assertThat(accepted.httpStatus()).isEqualTo(202);

        Instant deadline = Instant.now().plusSeconds(10);
        DpsReply polled;
        int assigningPolls = 0;
        while (true) {
            long start = System.nanoTime();
            polled = dps.handle(new DeviceRequest(DeviceRequest.Operation.STATUS, SCOPE, "slow-1",
                    accepted.operationId(), Optional.of("2021-06-01"), chain, new byte[0], Optional.empty()));
            // a poll that waited for the webhook would take its whole 2 s deadline; the margin absorbs a loaded machine
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a poll never waits for the webhook")
                    .isLessThan(Duration.ofMillis(1500));
            if (polled.httpStatus() != 202) {
                break;
            }
            assigningPolls++;
            assertThat(Instant.now()).as("DPS decided within its webhook deadline").isBefore(deadline);
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }

        JsonNode done = JSON.readTree(polled.json());
        assertThat(assigningPolls).as("polls answered assigning before %s", done).isPositive();
        assertThat(done.get("status").asText()).isEqualTo("failed");
        assertThat(done.at("/registrationState/errorCode").asInt()).isEqualTo(Allocation.WEBHOOK_FAILED);
        assertThat(done.at("/registrationState/errorMessage").asText()).contains("within 2000 ms");
    }
}
