package dev.firstboot.programs;

import dev.firstboot.Required;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;


/**
 * The command lines of firstboot's reference device programs, for tests and rigs that run them as the device under
 * test: the Node program on the npm Azure IoT Node SDK ({@code device-programs/node}) and the Java program on the
 * Azure IoT Java device SDK ({@link JavaDeviceProgram}, in its own JVM on the test classpath).
 * <p>
 * The test command installs the Node SDK ({@code npm ci --prefix device-programs/node}); there, a missing {@code node}
 * or {@code node_modules} fails the test that needs it. Elsewhere (a plain {@code mvn test} on a machine without
 * Node) such a test is skipped with the reason ({@link Required}).
 */
public final class ReferencePrograms {
    public static final Path NODE_PROGRAM_DIR = Path.of("device-programs", "node").toAbsolutePath();
    private static final Duration NODE_PROBE_DEADLINE = Duration.ofSeconds(20);
    private static final SecureRandom RANDOM = new SecureRandom();

    private ReferencePrograms() {
    }

    public enum Program {
        NODE, JAVA;

        /** The argv that starts this program; the contract's variables go in its environment. */
        public List<String> command() {
            return this == NODE ? nodeCommand() : javaCommand();
        }
    }

    /** {@code node device-programs/node/device.js}; fails or skips as {@link Required} says when Node is missing. */
    public static List<String> nodeCommand() {
        Required.check(Required.Component.NODE, nodeMissing());
        return List.of("node", NODE_PROGRAM_DIR.resolve("device.js").toString());
    }

    /** {@code java -cp <test classpath> dev.firstboot.programs.JavaDeviceProgram}. */
    public static List<String> javaCommand() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return List.of(java.toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), JavaDeviceProgram.class.getName());
    }

    /** Why the Node program cannot run here, or empty when it can. */
    static Optional<String> nodeMissing() {
        if (!Files.isDirectory(NODE_PROGRAM_DIR.resolve("node_modules").resolve("azure-iot-provisioning-device"))) {
            return Optional.of(NODE_PROGRAM_DIR.resolve("node_modules") + " does not hold the Azure IoT Node SDK");
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            if (!p.waitFor(NODE_PROBE_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of("`node --version` did not answer within " + NODE_PROBE_DEADLINE.toSeconds() + " s");
            }
            return p.exitValue() == 0 ? Optional.empty() : Optional.of("`node --version` exited " + p.exitValue());
        } catch (IOException e) {
            return Optional.of("`node` is not on the PATH (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while probing node");
        }
    }

    /**
     * A random address in 127/8 (all loopback on Linux) where every one of {@code ports} is free, or empty when this
     * host cannot bind them at all (not Linux, or a port below 1024 without root).
     */
    public static Optional<String> freeLoopback(int... ports) {
        for (int attempt = 0; attempt < 16; attempt++) {
            String address = "127." + (1 + RANDOM.nextInt(254)) + "." + RANDOM.nextInt(256) + "."
                    + (2 + RANDOM.nextInt(250));
            try {
                if (allFree(address, ports)) {
                    return Optional.of(address);
                }
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** True when free, false when one is in use; throws when this host cannot bind there at all. */
    private static boolean allFree(String address, int... ports) throws IOException {
        for (int port : ports) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(address, port));
            } catch (BindException e) {
                if (String.valueOf(e.getMessage()).contains("in use")) {
                    return false;
                }
                throw e;
            }
        }
        return true;
    }
}
