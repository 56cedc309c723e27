package dev.firstboot.device.hsm;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.secret.Redactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The contract checks on the reference adapter serving chains and keys the test writes. */
class HsmAdapterContractTest {
    @TempDir
    Path dir;

    private void writeChain(KeyMaterial m, boolean leafFirst) throws Exception {
        List<java.security.cert.X509Certificate> chain = leafFirst ? m.chain() : List.of(m.chain().get(1), m.chain().get(0));
        StringBuilder pem = new StringBuilder();
        for (var c : chain) {
            pem.append(TestAdapters.pem("CERTIFICATE", c.getEncoded()));
        }
        Files.writeString(dir.resolve("cert.pem"), pem);
        Files.writeString(dir.resolve("key.pem"), TestAdapters.pem("PRIVATE KEY", m.key().getEncoded()));
        Files.writeString(dir.resolve("cn.txt"), "chain-device-01\n");
    }

    @Test
    void aChainWithTheLeafFirstPassesAndItsKeyMatchesTheLeaf() throws Exception {
        KeyMaterial m = TestPki.create().issueServer(List.of("chain-device-01"), List.of());
        writeChain(m, true);
        Path lib = TestAdapters.build(dir, "chain");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.X509, Duration.ofSeconds(5), dir.resolve("s"))) {
            AdapterContract c = new AdapterContract(a, new Redactor());
            assertThat(c.certificateIsPemLeafFirst()).hasSize(2);
            c.keyMatchesLeaf();
            c.commonNameIsTheLeafs();
        }
    }

    @Test
    void aChainWithTheIssuerFirstFailsAndSaysTheOrderIsWrong() throws Exception {
        KeyMaterial m = TestPki.create().issueServer(List.of("chain-device-01"), List.of());
        writeChain(m, false);
        Path lib = TestAdapters.build(dir, "reversed");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.X509, Duration.ofSeconds(5), dir.resolve("s"))) {
            AdapterContract c = new AdapterContract(a, new Redactor());
            assertThatThrownBy(c::certificateIsPemLeafFirst).isInstanceOf(AdapterCheckException.class)
                    .hasMessageContaining("is not issued by certificate 2").hasMessageContaining("leaf first");
        }
    }

    @Test
    void aSymmetricKeyThatIsNotBase64FailsWithoutShowingIt() throws Exception {
        Files.writeString(dir.resolve("symkey.txt"), "not*base64*at*all\n");
        Files.writeString(dir.resolve("regname.txt"), "sym-device-01\n");
        Path lib = TestAdapters.build(dir, "badsym");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.SYMMETRIC_KEY, Duration.ofSeconds(5), dir.resolve("s"))) {
            AdapterContract c = new AdapterContract(a, new Redactor());
            assertThatThrownBy(c::symmetricKeyIsBase64).hasMessageContaining("are not base64")
                    .hasMessageNotContaining("not*base64");
            assertThat(c.registrationIdIsValid(java.util.Optional.empty())).isEqualTo("sym-device-01");
            assertThatThrownBy(() -> c.registrationIdIsValid(java.util.Optional.of("other-id")))
                    .hasMessageContaining("the lab expects \"other-id\"");
        }
    }

    @Test
    void aTpmKeyWithAWrongSizePrefixIsNotAWellFormedTpm2bPublic() throws Exception {
        TestAdapters.writeTpmKeys(dir);
        Path lib = TestAdapters.build(dir, "badek", "BROKEN_BAD_EK_SIZE");
        try (HsmAdapter a = TestAdapters.open(lib, AdapterType.TPM, Duration.ofSeconds(5), dir.resolve("s"))) {
            AdapterContract c = new AdapterContract(a, new Redactor());
            assertThatThrownBy(() -> c.keyIsWellFormed("hsm_client_get_ek"))
                    .hasMessageContaining("not a well-formed TPM2B_PUBLIC").hasMessageContaining("size prefix");
        }
    }
}
