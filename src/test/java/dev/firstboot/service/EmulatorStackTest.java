package dev.firstboot.service;

import dev.firstboot.device.net.DpsHttpsClient;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.timeline.TimelineSink;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The emulator stack as the standalone command starts it: configured hosts, real TLS, full assignment, clean close. */
class EmulatorStackTest {
    private static EmulatorStack.Settings settings(int httpsPort) {
        return new EmulatorStack.Settings("0ne00STACK1", "localhost", "127.0.0.1", httpsPort, 0,
                List.of(new EmulatorStack.Hub("hub-b", "hub-b.example.test", 0)), 0, 2);
    }

    @Test
    void anEnrolledX509DeviceIsAssignedToTheConfiguredHubHostOverTlsTrustingOnlyTheCa() throws Exception {
        TestPki pki = TestPki.create();
        int port;
        try (EmulatorStack stack = EmulatorStack.start(settings(0), pki, TimelineSink.NONE)) {
            port = stack.dpsHttpsAddress().getPort();
            KeyMaterial device = pki.issueClient("stack-dev-1");
            stack.dps().enrollX509Individual("stack-dev-1", Certificates.der(device.leaf()), Optional.empty(),
                    "hub-b", true);
            DpsHttpsClient client = new DpsHttpsClient(TestPki.clientContextTrusting(pki.caCertificate(),
                    Optional.of(device)), URI.create("https://localhost:" + port), "0ne00STACK1",
                    Duration.ofSeconds(30));

            DpsHttpsClient.Reply accepted = client.register("stack-dev-1");
            assertThat(accepted.httpStatus()).as(accepted.describe()).isEqualTo(202);
            DpsHttpsClient.Reply assigned = client.operationStatus("stack-dev-1", accepted.text("operationId"));
            assertThat(assigned.text("status")).as(assigned.describe()).isEqualTo("assigned");
            assertThat(assigned.state("assignedHub")).isEqualTo("hub-b.example.test");
            assertThat(stack.hubs().get("hub-b").device("stack-dev-1")).isPresent();
        }
        // closed means the port is free again
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        }
    }

    @Test
    void aPortInUseIsAStartFailureNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> EmulatorStack.start(settings(port), TestPki.create(), TimelineSink.NONE))
                    .isInstanceOfSatisfying(EmulatorStack.StartFailure.class, e -> {
                        assertThat(e.portInUse()).hasValue(port);
                        assertThat(e.getMessage()).contains("port " + port).contains("already in use");
                    });
        }
    }
}
