package dev.firstboot.service.remote;

import com.fasterxml.jackson.databind.JsonNode;

import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Reads a running emulator's timeline from {@code GET /firstboot/events?after=SEQ} (server-sent events) on a thread
 * of its own, hands each event to a consumer in order, and reconnects from the last one it has when the connection
 * drops. The emulator says something at least every 5 s, so a read that waits {@link #IDLE_DEADLINE} means the
 * connection is dead.
 */
final class EventStreamClient implements AutoCloseable {
    static final Duration IDLE_DEADLINE = Duration.ofSeconds(15);
    private static final Duration RECONNECT_PAUSE = Duration.ofMillis(500);

    private final ServiceConnection connection;
    private final Consumer<JsonNode> consumer;
    private final Thread thread;
    private volatile boolean closed;
    private volatile SSLSocket socket;
    private long delivered;
    private String lastProblem = "";

    EventStreamClient(ServiceConnection connection, long after, Consumer<JsonNode> consumer) {
        this.connection = connection;
        this.consumer = consumer;
        this.delivered = after;
        this.thread = new Thread(this::run, "firstboot-emulator-events");
        thread.setDaemon(true);
        thread.start();
    }

    /** Waits until every event up to {@code seq} has been handed over, or the deadline passes (then false). */
    synchronized boolean awaitDelivered(long seq, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (delivered < seq) {
            long left = end - System.nanoTime();
            if (left <= 0 || closed) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    synchronized long delivered() {
        return delivered;
    }

    /** Why the stream last broke, for an error message ("" when it never did). */
    synchronized String lastProblem() {
        return lastProblem;
    }

    private void run() {
        while (!closed) {
            try {
                readOnce();
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    lastProblem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                }
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                try {
                    wait(RECONNECT_PAUSE.toMillis()); // close() wakes it
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void readOnce() throws IOException {
        long after;
        synchronized (this) {
            after = delivered;
        }
        try (SSLSocket s = connection.openSocket(IDLE_DEADLINE)) {
            socket = s;
            if (closed) {
                return;
            }
            OutputStream out = s.getOutputStream();
            String request = "GET /firstboot/events?after=" + after + " HTTP/1.1\r\n"
                    + "Host: " + connection.dps().getHost() + ":" + connection.dps().getPort() + "\r\n"
                    + "Accept: text/event-stream\r\n"
                    + "Authorization: " + connection.authorization() + "\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null) {
                throw new IOException("the emulator closed the event stream before answering");
            }
            boolean ok = status.matches("HTTP/1\\.[01] 200.*");
            String line;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                // headers: nothing we need
            }
            if (!ok) {
                StringBuilder body = new StringBuilder();
                while ((line = in.readLine()) != null && body.length() < 2000) {
                    body.append(line);
                }
                throw new IOException("the emulator answered " + status.replaceFirst("HTTP/1\\.[01] ", "")
                        + " to GET /firstboot/events: " + body);
            }
            String event = "";
            StringBuilder data = new StringBuilder();
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (event.equals("timeline") && data.length() > 0) {
                        deliver(ServiceConnection.JSON.readTree(data.toString()));
                    }
                    event = "";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
            throw new IOException("the emulator ended the event stream");
        } finally {
            socket = null;
        }
    }

    private void deliver(JsonNode e) {
        long seq = e.path("seq").asLong();
        synchronized (this) {
            if (seq <= delivered) {
                return;
            }
        }
        consumer.accept(e);
        synchronized (this) {
            delivered = seq;
            notifyAll();
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        SSLSocket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            thread.join(Duration.ofSeconds(3).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
