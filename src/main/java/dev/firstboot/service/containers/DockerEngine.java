package dev.firstboot.service.containers;

import org.testcontainers.DockerClientFactory;

import java.util.Optional;

/** Can containers run here: an engine Testcontainers reaches, and the emulator image built on it? */
final class DockerEngine {
    /** What scripts/docker-setup.sh exports when it could not get an engine: its reason. */
    static final String SETUP_REASON_ENV = "FIRSTBOOT_DOCKER_UNAVAILABLE";

    private DockerEngine() {
    }

    static Optional<String> whyUnavailable(String image) {
        String fromSetup = System.getenv(SETUP_REASON_ENV);
        if (fromSetup != null && !fromSetup.isBlank()) {
            return Optional.of(fromSetup.strip());
        }
        String host = Optional.ofNullable(System.getenv("DOCKER_HOST")).orElse("unset");
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            available = false;
        }
        if (!available) {
            return Optional.of("no Docker engine answers (DOCKER_HOST=" + host + "); run scripts/docker-setup.sh "
                    + "(as root on Debian it installs and starts one) and export what it prints");
        }
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
        } catch (RuntimeException e) {
            return Optional.of("the emulator image " + image + " is not built on the engine at " + host
                    + "; run scripts/docker-setup.sh to build it (no registry needed)");
        }
        return Optional.empty();
    }
}
