package dev.firstboot.certification;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The hashes built into the harness are those of features/hsm/ as shipped: edit a feature, update the manifest. */
class HsmShippedFeaturesTest {
    @Test
    void theShippedFeatureHashesAreThoseOfFeaturesHsm() throws Exception {
        ShippedFeatures.Verdict v = ShippedFeatures.judge(Path.of("features/hsm"));
        assertThat(v.nonCertifyingReasons())
                .as("update src/main/resources%s with: (cd features/hsm && sha256sum *.feature)", ShippedFeatures.MANIFEST)
                .isEmpty();
        assertThat(v.features()).hasSize(7);
    }
}
