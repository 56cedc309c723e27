package dev.firstboot.device.hsm;

import dev.firstboot.Required;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds the C adapters of hsm-adapters/ with gcc, with the files they serve written by the test. */
public final class TestAdapters {
    private TestAdapters() {
    }

    /** Compiles hsm-adapters/file_adapter.c into {@code dir}, reading its files from {@code dir}, with BROKEN_* flags. */
    public static Path build(Path dir, String name, String... broken) throws IOException, InterruptedException {
        Required.gcc();
        Path source = Path.of("hsm-adapters/file_adapter.c").toAbsolutePath();
        Path lib = dir.resolve("lib" + name + ".so");
        List<String> cmd = new ArrayList<>(List.of("gcc", "-shared", "-fPIC", "-O1", "-o", lib.toString(),
                "-DADAPTER_DIR=\"" + dir.toAbsolutePath() + "/\""));
        for (String b : broken) {
            cmd.add("-D" + b);
        }
        cmd.add(source.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("gcc failed: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return lib;
    }

    /** Compiles hsm-adapters/tpm_tss_adapter.c against tpm2-tss, talking to the TPM at {@code tcti}. */
    public static Path buildTpm(Path dir, String tcti) throws IOException, InterruptedException {
        Path lib = dir.resolve("libtpmhsm.so");
        Process p = new ProcessBuilder(List.of("gcc", "-shared", "-fPIC", "-O1", "-o", lib.toString(),
                "-DTPM_TCTI=\"" + tcti + "\"", Path.of("hsm-adapters/tpm_tss_adapter.c").toAbsolutePath().toString(),
                "-ltss2-esys", "-ltss2-mu", "-ltss2-tctildr")).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("gcc failed: " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        return lib;
    }

    /** Writes an X.509 identity for CN {@code cn} (cert.pem, key.pem, cn.txt) and an unrelated other-key.pem. */
    public static KeyMaterial writeX509(Path dir, String cn) throws Exception {
        KeyMaterial m = TestPki.selfSigned(cn);
        Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", m.leaf().getEncoded()));
        Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", m.key().getEncoded()));
        Files.writeString(dir.resolve("cn.txt"), cn + "\n");
        KeyPair other = generate(m.key());
        Files.writeString(dir.resolve("other-key.pem"), pem("PRIVATE KEY", other.getPrivate().getEncoded()));
        return m;
    }

    public static byte[] writeSymmetricKey(Path dir, String registrationName) throws IOException {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Files.writeString(dir.resolve("symkey.txt"), Base64.getEncoder().encodeToString(key) + "\n");
        Files.writeString(dir.resolve("regname.txt"), registrationName + "\n");
        return key;
    }

    /**
     * Writes ek.bin and srk.bin: TPM2B_PUBLIC RSA-2048 keys in the EK and SRK templates (hsm-adapter.md §4.1), for
     * the TPM stub, which serves them but holds no TPM.
     */
    public static void writeTpmKeys(Path dir) throws Exception {
        byte[] ekPolicy = java.util.HexFormat.of()
                .parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");
        Files.write(dir.resolve("ek.bin"), tpm2bRsa(0x000300b2, ekPolicy));
        Files.write(dir.resolve("srk.bin"), tpm2bRsa(0x00030472, new byte[0]));
    }

    private static byte[] tpm2bRsa(int attributes, byte[] policy) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.interfaces.RSAPublicKey pub = (java.security.interfaces.RSAPublicKey) g.generateKeyPair().getPublic();
        byte[] mod = pub.getModulus().toByteArray();
        if (mod.length == 257) {
            mod = java.util.Arrays.copyOfRange(mod, 1, 257);
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(2 + 2 + 2 + 4 + 2 + policy.length + 6 + 2 + 2 + 4 + 2 + 256);
        b.putShort((short) 0); // size, set below
        b.putShort((short) 0x0001).putShort((short) 0x000b).putInt(attributes);
        b.putShort((short) policy.length).put(policy);
        b.putShort((short) 0x0006).putShort((short) 128).putShort((short) 0x0043); // AES-128-CFB
        b.putShort((short) 0x0010).putShort((short) 2048).putInt(0); // scheme NULL, keyBits, default exponent
        b.putShort((short) 256).put(mod);
        b.putShort(0, (short) (b.capacity() - 2));
        return b.array();
    }

    public static HsmAdapter open(Path lib, AdapterType type, Duration deadline, Path scratch) {
        return new HsmAdapter(new HsmAdapter.Config(lib, type, deadline, Duration.ofSeconds(20), scratch));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static KeyPair generate(PrivateKey like) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(like.getAlgorithm());
        if (like.getAlgorithm().equals("EC")) {
            g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        }
        return g.generateKeyPair();
    }
}
