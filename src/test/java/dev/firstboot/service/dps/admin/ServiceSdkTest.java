package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.azure.sdk.iot.provisioning.service.ProvisioningServiceClient;
import com.microsoft.azure.sdk.iot.provisioning.service.Query;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.AttestationMechanism;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.AttestationMechanismType;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.DeviceRegistrationState;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.EnrollmentGroup;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.IndividualEnrollment;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.ProvisioningStatus;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.QueryResult;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.QuerySpecification;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.QuerySpecificationBuilder;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.SymmetricKeyAttestation;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.TpmAttestation;
import com.microsoft.azure.sdk.iot.provisioning.service.configs.X509Attestation;
import com.microsoft.azure.sdk.iot.provisioning.service.exceptions.ProvisioningServiceClientNotFoundException;
import com.microsoft.azure.sdk.iot.provisioning.service.exceptions.ProvisioningServiceClientPreconditionFailedException;
import com.microsoft.azure.sdk.iot.provisioning.service.exceptions.ProvisioningServiceClientUnathorizedException;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.admin.EnrollmentAdmin.Collection;
import dev.firstboot.service.net.Limits;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import dev.firstboot.service.dps.store.StoreAdmin;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real Azure IoT Java service SDK (provisioning-service-client) against our service API, on 127.0.0.1:443 (the
 * SDK cannot use another port) with a certificate for {@code localhost} from the per-run CA. Proves the wire format:
 * paths, verbs, headers, the SAS token, JSON field names, etags, paging.
 */
class ServiceSdkTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Other helpers' tests may hold port 443 for a while; wait for it rather than fail. */
    private static final Duration PORT_DEADLINE = Duration.ofSeconds(90);

    private static StoreAdmin admin;
    private static AdminServer server;
    private static ProvisioningServiceClient sdk;
    private static SSLSocketFactory savedFactory;
    private static HostnameVerifier savedVerifier;

    @BeforeAll
    static void start() throws Exception {
        server = bind443();
        admin = server.store;
        savedFactory = HttpsURLConnection.getDefaultSSLSocketFactory();
        savedVerifier = HttpsURLConnection.getDefaultHostnameVerifier();
        // The SDK opens HttpsURLConnections with the JVM defaults and offers no SSLContext option.
        HttpsURLConnection.setDefaultSSLSocketFactory(server.clientTls().getSocketFactory());
        sdk = ProvisioningServiceClient.createFromConnectionString(
                server.sas.connectionString(AdminServer.HOST, ServiceSas.OWNER_POLICY));
    }

    @AfterAll
    static void stop() {
        if (savedFactory != null) {
            HttpsURLConnection.setDefaultSSLSocketFactory(savedFactory);
            HttpsURLConnection.setDefaultHostnameVerifier(savedVerifier);
        }
        if (server != null) {
            server.close();
        }
    }

    private static AdminServer bind443() throws Exception {
        Instant deadline = Instant.now().plus(PORT_DEADLINE);
        IOException last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                return new AdminServer(new InetSocketAddress("127.0.0.1", 443), Limits.DEFAULT);
            } catch (IOException e) {
                last = e;
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos()); // poll the port's state until the deadline

            }
        }
        throw new IOException("127.0.0.1:443 stayed busy for " + PORT_DEADLINE.toSeconds() + " s; the service SDK"
                + " only speaks to port 443. Stop whatever holds it (ss -ltnp 'sport = :443') and rerun", last);
    }

    private static JsonNode stored(Collection c, String id) {
        return admin.get(c, id).orElseThrow(() -> new AssertionError(c + " " + id + " was not stored"));
    }

    @Test
    void aSymmetricKeyEnrollmentIsCreatedReadUpdatedWithItsEtagAndDeleted() throws Exception {
        String primary = Base64.getEncoder().encodeToString(new byte[32]);
        String secondary = Base64.getEncoder().encodeToString(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        IndividualEnrollment created = sdk.createOrUpdateIndividualEnrollment(
                new IndividualEnrollment("sdk-sym-1", new SymmetricKeyAttestation(primary, secondary)));
        assertThat(created.getRegistrationId()).isEqualTo("sdk-sym-1");
        assertThat(created.getEtag()).isNotBlank();
        assertThat(created.getCreatedDateTimeUtc()).isNotNull();
        JsonNode doc = stored(Collection.ENROLLMENTS, "sdk-sym-1");
        assertThat(doc.at("/attestation/type").asText()).isEqualTo("symmetricKey");
        assertThat(doc.at("/attestation/symmetricKey/primaryKey").asText()).isEqualTo(primary);

        IndividualEnrollment read = sdk.getIndividualEnrollment("sdk-sym-1");
        assertThat(read.getEtag()).isEqualTo(created.getEtag());
        assertThat(((SymmetricKeyAttestation) read.getAttestation()).getPrimaryKey()).isEqualTo(primary);

        read.setDeviceId("renamed-device");
        read.setProvisioningStatus(ProvisioningStatus.DISABLED);
        IndividualEnrollment updated = sdk.createOrUpdateIndividualEnrollment(read);
        assertThat(updated.getDeviceId()).isEqualTo("renamed-device");
        assertThat(updated.getProvisioningStatus()).isEqualTo(ProvisioningStatus.DISABLED);
        assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());

        assertThatThrownBy(() -> sdk.createOrUpdateIndividualEnrollment(read))
                .as("an update carrying the old etag").isInstanceOf(ProvisioningServiceClientPreconditionFailedException.class);
        assertThatThrownBy(() -> sdk.deleteIndividualEnrollment("sdk-sym-1", created.getEtag()))
                .isInstanceOf(ProvisioningServiceClientPreconditionFailedException.class);

        AttestationMechanism mechanism = sdk.getIndividualEnrollmentAttestationMechanism("sdk-sym-1");
        assertThat(mechanism.getType()).isEqualTo(AttestationMechanismType.SYMMETRIC_KEY);

        sdk.deleteIndividualEnrollment(updated);
        assertThatThrownBy(() -> sdk.getIndividualEnrollment("sdk-sym-1"))
                .isInstanceOf(ProvisioningServiceClientNotFoundException.class);
    }

    @Test
    void anX509AndATpmIndividualEnrollmentKeepTheRealServiceFieldNames() throws Exception {
        KeyMaterial device = TestPki.selfSigned("sdk-x509-1");
        String pem = DpsAdminTest.pem(device.leaf());
        IndividualEnrollment x509 = sdk.createOrUpdateIndividualEnrollment(
                new IndividualEnrollment("sdk-x509-1", X509Attestation.createFromClientCertificates(pem)));
        assertThat(x509.getRegistrationId()).isEqualTo("sdk-x509-1");
        JsonNode doc = stored(Collection.ENROLLMENTS, "sdk-x509-1");
        assertThat(doc.at("/attestation/type").asText()).isEqualTo("x509");
        assertThat(doc.at("/attestation/x509/clientCertificates/primary/certificate").asText())
                .contains("BEGIN CERTIFICATE");

        String ek = Base64.getEncoder().encodeToString(new byte[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
        IndividualEnrollment tpm = sdk.createOrUpdateIndividualEnrollment(
                new IndividualEnrollment("sdk-tpm-1", new TpmAttestation(ek)));
        assertThat(((TpmAttestation) tpm.getAttestation()).getEndorsementKey()).isEqualTo(ek);
        assertThat(stored(Collection.ENROLLMENTS, "sdk-tpm-1").at("/attestation/tpm/endorsementKey").asText())
                .isEqualTo(ek);
        assertThat(sdk.getIndividualEnrollment("sdk-tpm-1").getAttestation()).isInstanceOf(TpmAttestation.class);

        sdk.deleteIndividualEnrollment("sdk-x509-1");
        sdk.deleteIndividualEnrollment("sdk-tpm-1");
        assertThat(admin.get(Collection.ENROLLMENTS, "sdk-tpm-1")).isEmpty();
    }

    @Test
    void symmetricKeyAndX509SigningCertificateGroupsAreCreatedReadAndDeleted() throws Exception {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        EnrollmentGroup sym = sdk.createOrUpdateEnrollmentGroup(
                new EnrollmentGroup("sdk-group-sym", new SymmetricKeyAttestation(key, key)));
        assertThat(sym.getEnrollmentGroupId()).isEqualTo("sdk-group-sym");
        assertThat(stored(Collection.ENROLLMENT_GROUPS, "sdk-group-sym").at("/attestation/type").asText())
                .isEqualTo("symmetricKey");

        KeyMaterial ca = TestPki.selfSigned("sdk-signing-ca");
        EnrollmentGroup x509 = sdk.createOrUpdateEnrollmentGroup(new EnrollmentGroup("sdk-group-x509",
                X509Attestation.createFromRootCertificates(DpsAdminTest.pem(ca.leaf()))));
        assertThat(x509.getEtag()).isNotBlank();
        JsonNode doc = stored(Collection.ENROLLMENT_GROUPS, "sdk-group-x509");
        assertThat(doc.at("/attestation/x509/signingCertificates/primary/certificate").asText())
                .contains("BEGIN CERTIFICATE");
        assertThat(sdk.getEnrollmentGroup("sdk-group-x509").getAttestation()).isInstanceOf(X509Attestation.class);
        assertThat(sdk.getEnrollmentGroupAttestationMechanism("sdk-group-x509").getType())
                .isEqualTo(AttestationMechanismType.X509);

        sdk.deleteEnrollmentGroup(sym);
        sdk.deleteEnrollmentGroup("sdk-group-x509", x509.getEtag());
        assertThatThrownBy(() -> sdk.getEnrollmentGroup("sdk-group-x509"))
                .isInstanceOf(ProvisioningServiceClientNotFoundException.class);
    }

    @Test
    void aQueryOfEnrollmentsPagesThroughEveryOneWithTheSdksContinuationTokens() throws Exception {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        for (int i = 1; i <= 5; i++) {
            sdk.createOrUpdateIndividualEnrollment(new IndividualEnrollment("sdk-q-" + i,
                    new SymmetricKeyAttestation(key, key)));
        }
        QuerySpecification all = new QuerySpecificationBuilder("*", QuerySpecificationBuilder.FromType.ENROLLMENTS)
                .createSqlQuery();
        Query query = sdk.createIndividualEnrollmentQuery(all, 2);
        List<String> ids = new ArrayList<>();
        int pages = 0;
        while (query.hasNext() && pages < 20) {
            QueryResult page = query.next();
            for (Object item : page.getItems()) {
                ids.add(((IndividualEnrollment) item).getRegistrationId());
            }
            pages++;
        }
        assertThat(ids).contains("sdk-q-1", "sdk-q-2", "sdk-q-3", "sdk-q-4", "sdk-q-5");
        assertThat(pages).isGreaterThanOrEqualTo(3);
        for (int i = 1; i <= 5; i++) {
            sdk.deleteIndividualEnrollment("sdk-q-" + i);
        }
    }

    @Test
    void registrationStatesAreReadQueriedByGroupAndDeleted() throws Exception {
        admin.putRegistration("sdk-reg-1", (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.readTree("{\"registrationId\":\"sdk-reg-1\",\"enrollmentGroupId\":\"sdk-group-r\","
                        + "\"status\":\"assigned\",\"assignedHub\":\"hub-a.localhost\",\"deviceId\":\"sdk-reg-1\","
                        + "\"createdDateTimeUtc\":\"" + Instant.now() + "\"}"));
        DeviceRegistrationState state = sdk.getDeviceRegistrationState("sdk-reg-1");
        assertThat(state.getRegistrationId()).isEqualTo("sdk-reg-1");
        assertThat(state.getAssignedHub()).isEqualTo("hub-a.localhost");

        Query query = sdk.createEnrollmentGroupRegistrationStateQuery(new QuerySpecificationBuilder("*",
                QuerySpecificationBuilder.FromType.DEVICE_REGISTRATIONS).createSqlQuery(), "sdk-group-r");
        assertThat(query.hasNext()).isTrue();
        Object[] items = query.next().getItems();
        assertThat(items).hasSize(1);
        assertThat(((DeviceRegistrationState) items[0]).getRegistrationId()).isEqualTo("sdk-reg-1");

        sdk.deleteDeviceRegistrationState("sdk-reg-1");
        assertThatThrownBy(() -> sdk.getDeviceRegistrationState("sdk-reg-1"))
                .isInstanceOf(ProvisioningServiceClientNotFoundException.class);
    }

    @Test
    void aConnectionStringWithTheWrongKeyIsUnauthorized() {
        ProvisioningServiceClient wrong = ProvisioningServiceClient.createFromConnectionString(
                ServiceSas.connectionString(AdminServer.HOST, ServiceSas.Policy.generate(ServiceSas.OWNER_POLICY)));
        assertThatThrownBy(() -> wrong.getIndividualEnrollment("anyone"))
                .isInstanceOf(ProvisioningServiceClientUnathorizedException.class);
    }

    @Test
    void theSdkSendsApiVersion20190331AndASasWithSeBeforeSkn() throws Exception {
        sdk.createOrUpdateIndividualEnrollment(new IndividualEnrollment("sdk-wire-1",
                new TpmAttestation(Base64.getEncoder().encodeToString(new byte[]{9, 9, 9}))));
        List<TimelineEvent> requests = server.timeline.events(e -> e.kind() == EventKind.DPS_REQUEST
                && e.subject().equals(AdminHttpHandler.SUBJECT) && e.attributes().get("path")
                .equals("/enrollments/sdk-wire-1"));
        assertThat(requests).isNotEmpty();
        TimelineEvent put = requests.get(requests.size() - 1);
        assertThat(put.attributes()).containsEntry("method", "PUT").containsEntry("apiVersion", "2019-03-31")
                .containsEntry("authorization", "SharedAccessSignature sr,sig,se,skn sr-raw")
                .containsEntry("ifMatch", "none");
        assertThat(server.timeline.render()).doesNotContain(server.sas.policy(ServiceSas.OWNER_POLICY).base64Key());
        sdk.deleteIndividualEnrollment("sdk-wire-1");
    }
}
