package dev.firstboot.service.dps.admin;

import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.ChannelHandler;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The DPS service (enrollment) API, served on the same HTTPS listener as the device API: {@link ServiceSas} in
 * front of any {@link EnrollmentAdmin}. Store calls may block (a database), so they run off the network threads on a
 * small pool; at most {@code maxInFlight} requests are worked on or waiting at once, and one more is answered 429
 * at once, so a flood from one client cannot queue without bound.
 */
public final class ServiceApi implements AutoCloseable {
    private final EnrollmentAdmin admin;
    private final ServiceSas sas;
    private final AdminService service;
    private final Semaphore inFlight;
    private final ExecutorService workers;

    private ServiceApi(EnrollmentAdmin admin, ServiceSas sas, int maxInFlight) {
        this.admin = admin;
        this.sas = sas;
        this.service = new AdminService(admin, sas);
        this.inFlight = new Semaphore(maxInFlight);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.min(maxInFlight, 4), r -> {
            Thread t = new Thread(r, "firstboot-dps-admin-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * @param admin       the enrollment store (the H2 one in a rig; any implementation will do)
     * @param sas         the host names and shared access policies requests must be signed for
     * @param maxInFlight requests worked on or waiting at once, at least 1
     */
    public static ServiceApi start(EnrollmentAdmin admin, ServiceSas sas, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, was " + maxInFlight);
        }
        return new ServiceApi(admin, sas, maxInFlight);
    }

    public EnrollmentAdmin admin() {
        return admin;
    }

    public ServiceSas sas() {
        return sas;
    }

    /**
     * A handler for one connection; requests outside the service API's paths pass on to the next handler. Each
     * request and answer goes on {@code timeline} as DPS_REQUEST / DPS_RESPONSE with subject
     * {@value AdminHttpHandler#SUBJECT} (method, path, api-version, the token's field names, never its values).
     */
    public ChannelHandler newHandler(TimelineSink timeline) {
        return new AdminHttpHandler(this, timeline);
    }

    AdminService service() {
        return service;
    }

    boolean tryAcquire() {
        return inFlight.tryAcquire();
    }

    void release() {
        inFlight.release();
    }

    ExecutorService workers() {
        return workers;
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
