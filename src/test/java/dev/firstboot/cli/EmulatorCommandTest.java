package dev.firstboot.cli;

import dev.firstboot.device.net.DpsHttpsClient;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.admin.ServiceSas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code firstboot emulator}: a real child JVM that prints its endpoints, serves TLS, stops on SIGTERM, keeps its CA. */
class EmulatorCommandTest {
    private static final String ANY_PORTS = "dps-https: 0\ndps-mqtt: 0\nhubs: [{name: hub-a, port: 0}]\n";

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    private Result runInProcess(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return new Result(cl.execute(args), out.toString(), err.toString());
    }

    private EmulatorProcess start(Path config, Path data) throws Exception {
        return EmulatorProcess.started(dir, "--config", config.toString(), "--data", data.toString());
    }

    private static X509Certificate certificate(Path pem) throws Exception {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void printsItsEndpointsServesDpsOverTlsStopsOnSigtermAndKeepsItsCaAcrossRestarts() throws Exception {
        Path config = Files.writeString(dir.resolve("emulator.yaml"), "id-scope: 0ne00TEST01\n" + ANY_PORTS);
        Path data = dir.resolve("data");

        EmulatorProcess first = start(config, data);
        Map<String, String> out = first.lines();
        assertThat(out).containsKeys("dps-https", "dps-mqtt", "hub.hub-a", "id-scope", "ca-certificate",
                "service-connection-string");
        assertThat(out.get("id-scope")).isEqualTo("0ne00TEST01");
        assertThat(out.get("dps-https")).matches("https://localhost:\\d+");
        assertThat(out.get("dps-mqtt")).matches("mqtts://localhost:\\d+");
        assertThat(out.get("hub.hub-a")).matches("mqtts://hub-a\\.localhost:\\d+");
        assertThat(out.get("service-connection-string"))
                .matches("HostName=localhost;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=\\S{40,}");
        Path caFile = Path.of(out.get("ca-certificate"));
        assertThat(caFile).isEqualTo(data.resolve("ca.pem").toAbsolutePath());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("ca-key.pem"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("service-policies"))))
                .isEqualTo("rw-------");

        // A device that trusts only the printed CA (host name checked) reaches DPS; it is not enrolled, so DPS
        // refuses it the way the real service does, over the real TLS connection.
        X509Certificate ca = certificate(caFile);
        DpsHttpsClient device = new DpsHttpsClient(TestPki.clientContextTrusting(ca,
                Optional.of(TestPki.selfSigned("not-enrolled-1"))), URI.create(out.get("dps-https")),
                out.get("id-scope"), Duration.ofSeconds(30));
        DpsHttpsClient.Reply reply = device.register("not-enrolled-1");
        assertThat(reply.httpStatus()).as(reply.describe()).isBetween(400, 499);
        assertThat(reply.text("errorCode")).isNotEmpty();

        first.terminate();
        assertThat(first.awaitExit()).as(first.stderr()).isZero();
        assertThat(first.stderr()).contains("stopped");
        String secretKey = out.get("service-connection-string").split("SharedAccessKey=")[1];
        assertThat(first.stderr()).doesNotContain(secretKey);

        EmulatorProcess second = start(config, data);
        try {
            assertThat(certificate(Path.of(second.lines().get("ca-certificate")))).isEqualTo(ca);
            assertThat(second.lines().get("service-connection-string"))
                    .isEqualTo(out.get("service-connection-string"));
        } finally {
            second.terminate();
            assertThat(second.awaitExit()).isZero();
        }
    }

    @Test
    void aPortInUseIsExitTwoNamingThePortAndWhatToDo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            Path config = Files.writeString(dir.resolve("taken.yaml"),
                    "dps-https: " + port + "\ndps-mqtt: 0\nhubs: [{name: hub-a, port: 0}]\n");
            Result r = runInProcess("emulator", "--config", config.toString());
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("port " + port).contains("already in use").contains("choose another port")
                    .doesNotContain("Exception");
        }
    }

    @Test
    void aBadConfigFieldIsExitTwoNamingTheFileLineFieldExpectedAndSeen() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), "host: localhost\nid-scope: not a scope!\n");
        Result r = runInProcess("emulator", "--config", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("firstboot emulator: " + bad + ":2:11: id-scope: expected")
                .contains("\"not a scope!\"").doesNotContain("Exception");

        Path key = Files.writeString(dir.resolve("key.yaml"),
                "service-policies: [{name: provisioningserviceowner, key: c2hvcnQ=}]\n");
        Result shortKey = runInProcess("emulator", "--config", key.toString());
        assertThat(shortKey.exit()).isEqualTo(2);
        assertThat(shortKey.err()).contains("service-policies[0].key").contains("5 bytes").doesNotContain("c2hvcnQ=");

        Result missing = runInProcess("emulator", "--config", dir.resolve("nope.yaml").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.yaml: no such config file").contains("leave out --config");
    }

    @Test
    void aBadSeedFileIsExitTwoNamingTheEntryAndField() throws Exception {
        Path seed = Files.writeString(dir.resolve("enrollments.yaml"),
                "enrollments:\n  - registrationId: dev-002\n    iotHubs: [hub-a.localhost]\n");
        Path config = Files.writeString(dir.resolve("seeded.yaml"), ANY_PORTS + "seed: enrollments.yaml\n");
        Result r = runInProcess("emulator", "--config", config.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("seed").contains("enrollments.yaml").contains("enrollments[0]")
                .contains("dev-002").contains("attestation").doesNotContain("Exception");
    }

    @Test
    void theSeedLoadsAtStartAndEnrollmentsMadeThroughTheServiceApiSurviveARestartOnTheSameData() throws Exception {
        Files.writeString(dir.resolve("enrollments.yaml"), """
                enrollments:
                  - registrationId: dev-seeded
                    attestation: {type: symmetricKey, symmetricKey: {primaryKey: "%s"}}
                    iotHubs: [hub-a.localhost]
                """.formatted(Base64.getEncoder().encodeToString(new byte[32])));
        Path seeded = Files.writeString(dir.resolve("seeded.yaml"), ANY_PORTS + "seed: enrollments.yaml\n");
        Path plain = Files.writeString(dir.resolve("plain.yaml"), ANY_PORTS);
        Path data = dir.resolve("data");

        EmulatorProcess first = start(seeded, data);
        ServiceCalls api;
        try {
            api = ServiceCalls.of(first.lines());
            assertThat(api.send("GET", "/enrollments/dev-seeded", null).statusCode()).isEqualTo(200);
            HttpResponse<String> put = api.send("PUT", "/enrollments/dev-made", """
                    {"registrationId": "dev-made", "attestation": {"type": "symmetricKey",
                     "symmetricKey": {"primaryKey": "%s"}}}""".formatted(
                    Base64.getEncoder().encodeToString(new byte[32])));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        } finally {
            first.terminate();
            assertThat(first.awaitExit()).as(first.stderr()).isZero();
        }

        EmulatorProcess second = start(plain, data);
        try {
            ServiceCalls again = ServiceCalls.of(second.lines());
            assertThat(again.send("GET", "/enrollments/dev-made", null).statusCode()).isEqualTo(200);
            assertThat(again.send("GET", "/enrollments/dev-seeded", null).statusCode()).isEqualTo(200);
            assertThat(again.send("GET", "/enrollments/dev-never", null).statusCode()).isEqualTo(404);
        } finally {
            second.terminate();
            assertThat(second.awaitExit()).isZero();
        }
    }

    /** Raw HTTPS calls to the printed service API, signed from the printed connection string. */
    private record ServiceCalls(HttpClient client, URI base, String authorization) {
        static ServiceCalls of(Map<String, String> printed) throws Exception {
            X509Certificate ca = certificate(Path.of(printed.get("ca-certificate")));
            Map<String, String> parts = new LinkedHashMap<>();
            for (String part : printed.get("service-connection-string").split(";")) {
                int eq = part.indexOf('=');
                parts.put(part.substring(0, eq), part.substring(eq + 1));
            }
            ServiceSas.Policy policy = ServiceSas.Policy.of(parts.get("SharedAccessKeyName"),
                    parts.get("SharedAccessKey"));
            String token = ServiceSas.token(parts.get("HostName"), policy, Instant.now().plusSeconds(600));
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(TestPki.clientContextTrusting(ca, Optional.empty()))
                    .connectTimeout(Duration.ofSeconds(10)).build();
            return new ServiceCalls(client, URI.create(printed.get("dps-https")), token);
        }

        HttpResponse<String> send(String method, String path, String body) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path + "?api-version=2021-10-01"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", authorization)
                    .header("Content-Type", "application/json")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void helpDocumentsTheOutputLinesConfigFieldsDataFolderAndExitCodes() {
        Result r = runInProcess("emulator", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("dps-https:", "dps-mqtt:", "hub.NAME:", "id-scope:", "ca-certificate:",
                "service-connection-string:", "ready", "id-scope: 0ne00FB0001", "bind", "dps-https: 8443",
                "dps-mqtt: 8883", "hubs", "retry-after: 1s", "service-policies", "seed", "--data", "SIGTERM",
                "ca-key.pem");
    }
}
