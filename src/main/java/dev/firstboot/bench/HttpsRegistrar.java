package dev.firstboot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * DPS over HTTPS with a lean HTTP/1.1 client on a JDK {@link SSLSocket}: {@code PUT …/register}, then
 * {@code GET …/operations/{id}} on the same keep-alive connection until the status is {@code assigned}.
 */
final class HttpsRegistrar implements Registrar {
    static final String API_VERSION = "2021-06-01";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_POLLS = 20;

    private final String host;
    private final InetSocketAddress address;
    private final String idScope;
    private final Duration timeout;

    HttpsRegistrar(String host, InetSocketAddress address, String idScope, Duration timeout) {
        this.host = host;
        this.address = address;
        this.idScope = idScope;
        this.timeout = timeout;
    }

    @Override
    public String register(BenchDevice device) throws IOException {
        try (SSLSocket s = Wire.open(device, host, address, timeout)) {
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            String base = "/" + idScope + "/registrations/" + device.registrationId();
            byte[] body = Wire.registerBody(device.registrationId());
            send(out, "PUT", base + "/register?api-version=" + API_VERSION, device, body);
            Response r = read(in);
            for (int poll = 0; ; poll++) {
                JsonNode json = r.json();
                String status = json.path("status").asText("");
                if (r.status() == 200 && status.equals("assigned")) {
                    return json.path("registrationState").path("assignedHub").asText("");
                }
                if (r.status() != 202 && r.status() != 200 || poll >= MAX_POLLS) {
                    throw new IOException(device.registrationId() + ": DPS answered HTTP " + r.status() + " status '"
                            + status + "' errorCode " + json.path("errorCode").asText("-"));
                }
                String operationId = json.path("operationId").asText("");
                send(out, "GET", base + "/operations/" + operationId + "?api-version=" + API_VERSION, device, null);
                r = read(in);
            }
        }
    }

    private void send(OutputStream out, String method, String path, BenchDevice device, byte[] body)
            throws IOException {
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n")
                .append("Accept: application/json\r\n")
                .append("User-Agent: firstboot-bench\r\n");
        device.sas().ifPresent(sas -> head.append("Authorization: ").append(sas).append("\r\n"));
        if (body != null) {
            head.append("Content-Type: application/json; charset=utf-8\r\n")
                    .append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    record Response(int status, byte[] body) {
        JsonNode json() throws IOException {
            return body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        }
    }

    /** Status line, headers (Content-Length only is needed; DPS never chunks), body. */
    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("DPS sent something that is not an HTTP/1.1 status line");
        }
        int status = Integer.parseInt(parts[1]);
        int length = 0;
        for (String h; !(h = line(in)).isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(h.substring(colon + 1).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length != length) {
            throw new EOFException("DPS closed the connection in the middle of a response body");
        }
        return new Response(status, body);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new EOFException("DPS closed the connection in the middle of a response");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
            if (sb.length() > 8192) {
                throw new IOException("DPS sent a header line over 8 KB");
            }
        }
        return sb.toString();
    }
}
