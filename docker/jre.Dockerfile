# The base image scripts/docker-setup.sh builds with no registry: the debootstrapped bookworm minbase
# (local/debian:bookworm, from `docker import`) plus a Java 17 runtime jlinked from the host JDK.
FROM local/debian:bookworm
COPY jre /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
