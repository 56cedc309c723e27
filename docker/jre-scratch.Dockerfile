# The default base image scripts/docker-setup.sh builds with no registry and no network: FROM scratch with a Java 17
# runtime jlinked from the host's JDK, bash and a few coreutils (for RUN steps and the health check), and the shared
# libraries they link, copied from the host at the same paths. The context is prepared by the script.
FROM scratch
COPY rootfs/ /
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:/usr/local/bin:/usr/bin:/bin
