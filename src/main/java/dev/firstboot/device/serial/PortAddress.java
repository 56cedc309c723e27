package dev.firstboot.device.serial;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a board's serial port is, as a rig file's {@code port} names it: a device path opened with jSerialComm, or a
 * port exported over the network, {@code rfc2217://host:port} (Telnet with RFC 2217, as ser2net's
 * {@code telnet(rfc2217)} accepter and labgrid's exporter serve it) or {@code socket://host:port} (raw TCP).
 */
public sealed interface PortAddress permits PortAddress.Local, PortAddress.Remote {
    /** The forms a port may take, for messages and help. */
    String FORMS = "a device path (/dev/serial/by-id/…, /dev/ttyACM0), rfc2217://host:port (RFC 2217, e.g. ser2net's "
            + "telnet(rfc2217) accepter or labgrid's exporter) or socket://host:port (raw TCP)";

    /** Opens the port at {@code baud} 8N1 (for a raw TCP port the exporter's own line settings apply). */
    SerialLink open(int baud) throws IOException;

    /** False when the line settings are the exporter's and a rig's baud could not change them. */
    boolean setsLine();

    /**
     * Reads a rig file's port. Text starting with a URL scheme ({@code word:}) is a network port; anything else is a
     * path, taken as it is (never normalised, which would turn {@code rfc2217://h:1} into {@code rfc2217:/h:1}).
     *
     * @throws IllegalArgumentException saying what is wrong and which forms are accepted
     */
    static PortAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isBlank()) {
            throw new IllegalArgumentException("a serial port is empty; expected " + FORMS);
        }
        if (!Remote.SCHEME.matcher(text).lookingAt()) {
            return new Local(Path.of(text));
        }
        return Remote.parse(text);
    }

    /** A device node or a symlink to one. */
    record Local(Path path) implements PortAddress {
        @Override
        public SerialLink open(int baud) throws IOException {
            return JSerialCommLink.open(path, baud);
        }

        @Override
        public boolean setsLine() {
            return true;
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** A serial port a board host exports over TCP. */
    record Remote(Protocol protocol, String host, int port) implements PortAddress {
        private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*:");

        /** How the bytes travel. */
        public enum Protocol {
            /** Telnet with the COM-PORT-OPTION: the client sets the baud rate and line settings. */
            RFC2217("rfc2217"),
            /** The serial bytes as they are; the exporter's configuration fixes the line settings. */
            RAW("socket");

            final String scheme;

            Protocol(String scheme) {
                this.scheme = scheme;
            }
        }

        public Remote {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("a TCP port is from 1 to 65535, was " + port);
            }
        }

        private static Remote parse(String text) {
            String scheme = text.substring(0, text.indexOf(':')).toLowerCase(Locale.ROOT);
            Protocol protocol = null;
            for (Protocol p : Protocol.values()) {
                if (p.scheme.equals(scheme)) {
                    protocol = p;
                }
            }
            if (protocol == null) {
                throw malformed(text, "\"" + scheme + ":\" is not a kind of serial port");
            }
            String example = protocol.scheme + "://host:port";
            if (!text.regionMatches(scheme.length(), "://", 0, 3)) {
                throw malformed(text, "expected " + example + " (two slashes after the colon)");
            }
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw malformed(text, "not a valid URL (" + e.getReason() + "); expected " + example);
            }
            if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
                throw malformed(text, "a network port is only a host and a TCP port, with no user, path or options; "
                        + "expected " + example);
            }
            if (uri.getHost() == null) {
                throw malformed(text, "no host name or address (or one with characters a host name cannot have); "
                        + "expected " + example);
            }
            if (uri.getPort() < 0) {
                throw malformed(text, "no TCP port; expected " + example + ", with the port of the exporter's "
                        + "accepter");
            }
            if (uri.getPort() < 1 || uri.getPort() > 65_535) {
                throw malformed(text, "TCP port " + uri.getPort() + " is not from 1 to 65535");
            }
            String host = uri.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Remote(protocol, host, uri.getPort());
        }

        private static IllegalArgumentException malformed(String text, String why) {
            return new IllegalArgumentException("serial port \"" + text + "\": " + why + "; a port is " + FORMS);
        }

        /** The port as a rig file writes it, e.g. {@code rfc2217://10.0.0.5:3001}. */
        public String url() {
            return protocol.scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }

        @Override
        public SerialLink open(int baud) throws IOException {
            return NetworkSerialLink.open(this, baud);
        }

        @Override
        public boolean setsLine() {
            return protocol == Protocol.RFC2217;
        }

        @Override
        public String toString() {
            return url();
        }
    }
}
