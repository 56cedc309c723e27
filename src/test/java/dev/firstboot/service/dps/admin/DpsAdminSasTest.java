package dev.firstboot.service.dps.admin;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The service SAS rules without a network: which tokens pass, why the others fail, and that secrets stay hidden. */
class DpsAdminSasTest {
    private static final ServiceSas.Policy OWNER = ServiceSas.Policy.of(ServiceSas.OWNER_POLICY,
            Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes()));
    private static final ServiceSas.Policy READER = ServiceSas.Policy.generate("enrollmentread");
    private static final ServiceSas SAS = ServiceSas.of(Set.of("My-Dps.Example"), List.of(OWNER, READER));
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    private static ServiceSas.Verdict verify(String token) {
        return SAS.verify(Optional.of(token), NOW);
    }

    @Test
    void aTokenFromEitherPolicyForTheHostInAnyCaseIsAllowed() {
        Instant later = NOW.plusSeconds(3600);
        assertThat(verify(ServiceSas.token("my-dps.example", OWNER, later)))
                .isEqualTo(new ServiceSas.Allowed(ServiceSas.OWNER_POLICY));
        assertThat(verify(ServiceSas.token("MY-DPS.EXAMPLE", READER, later)))
                .isEqualTo(new ServiceSas.Allowed("enrollmentread"));
    }

    @Test
    void aTokenSignedForAnotherPolicyOrExpiredAtTheSecondIsRefused() {
        String forReaderSignedByOwner = ServiceSas.token("my-dps.example", OWNER, NOW.plusSeconds(60))
                .replace("skn=" + ServiceSas.OWNER_POLICY, "skn=enrollmentread");
        assertThat(verify(forReaderSignedByOwner)).isInstanceOf(ServiceSas.Refused.class);
        assertThat(verify(ServiceSas.token("my-dps.example", OWNER, NOW))).isInstanceOf(ServiceSas.Refused.class);
        assertThat(SAS.verify(Optional.empty(), NOW)).isInstanceOf(ServiceSas.Refused.class);
        assertThat(verify("SharedAccessSignature sr=my-dps.example&sig=abc&se=99999999999"))
                .isEqualTo(new ServiceSas.Refused("the token has no skn (the shared access policy name)"));
    }

    @Test
    void aRefusalNeverCarriesTheSignatureOrTheKey() {
        String token = ServiceSas.token("my-dps.example", ServiceSas.Policy.generate(ServiceSas.OWNER_POLICY),
                NOW.plusSeconds(60));
        String sig = token.replaceAll(".*sig=([^&]*).*", "$1");
        ServiceSas.Refused refused = (ServiceSas.Refused) verify(token);
        assertThat(refused.reason()).contains("sig does not match").doesNotContain(sig)
                .doesNotContain(OWNER.base64Key());
    }

    @Test
    void badConfigurationIsRefusedWithWhatToDoAndWithoutTheKey() {
        assertThatThrownBy(() -> ServiceSas.Policy.of("p", "not base64 !!"))
                .hasMessageContaining("SharedAccessKey").hasMessageNotContaining("not base64 !!");
        assertThatThrownBy(() -> ServiceSas.of(Set.of("h"), List.of(OWNER, OWNER)))
                .hasMessageContaining("given twice");
        assertThatThrownBy(() -> ServiceSas.of(Set.of(), List.of(OWNER))).hasMessageContaining("host name");
        assertThatThrownBy(() -> SAS.policy("nope")).hasMessageContaining(ServiceSas.OWNER_POLICY);
        assertThat(OWNER.toString()).doesNotContain(OWNER.base64Key());
    }

    @Test
    void theTimelineSeesOnlyTheShapeOfAToken() {
        String token = ServiceSas.token("my-dps.example", OWNER, NOW.plusSeconds(60));
        assertThat(AdminHttpHandler.shape(token)).isEqualTo("SharedAccessSignature sr,sig,skn,se sr-raw");
        assertThat(AdminHttpHandler.shape("SharedAccessSignature sr=my%2Ddps&sig=x&se=1&skn=p"))
                .isEqualTo("SharedAccessSignature sr,sig,se,skn sr-encoded");
        assertThat(AdminHttpHandler.shape("Bearer eyJhbGciOi")).isEqualTo("Bearer (not a SAS)");
    }

    @Test
    void serviceApiPathsAreToldApartFromDeviceApiPaths() {
        assertThat(AdminRoute.isAdmin("/enrollments/dev-1?api-version=2021-10-01")).isTrue();
        assertThat(AdminRoute.isAdmin("/certificates/root")).isTrue();
        assertThat(AdminRoute.isAdmin("/0ne00000001/registrations/dev-1/register")).isFalse();
        assertThat(AdminRoute.of("/enrollments/query?api-version=x").target()).isEqualTo(AdminRoute.Target.QUERY);
        assertThat(AdminRoute.of("/registrations/query").target()).isEqualTo(AdminRoute.Target.DOCUMENT);
        assertThat(AdminRoute.of("/registrations/grp/query").target())
                .isEqualTo(AdminRoute.Target.GROUP_REGISTRATIONS);
        assertThat(AdminRoute.of("/enrollments/a%2Bb").id()).isEqualTo("a+b");
        assertThat(AdminRoute.of("/enrollments/a+b").id()).isEqualTo("a+b");
    }
}
