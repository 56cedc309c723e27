package dev.firstboot.device.hsm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A vendor's HSM adapter library, called through a child {@link AdapterHost} exactly as the C SDK calls it: through the
 * function table its {@code hsm_client_*_interface()} returns, freeing what it hands out with {@code free()}. A host
 * that dies is replaced on the next call; {@link #restart()} gives a scenario a fresh process.
 */
public final class HsmAdapter implements AutoCloseable {
    /**
     * @param library       the adapter, a shared object
     * @param type          which interface to exercise
     * @param callDeadline  how long one call may take before the host is killed
     * @param startDeadline how long the host may take to start and load the library
     * @param scratch       a folder for the host's crash reports
     */
    public record Config(Path library, AdapterType type, Duration callDeadline, Duration startDeadline, Path scratch) {
    }

    /**
     * An adapter handle, by address, in the host that made it ({@code host} counts the hosts started); {@link #NULL}
     * is the NULL handle.
     */
    public record Handle(String address, int host) {
        public static final Handle NULL = new Handle("0", 0);

        public boolean isNull() {
            return address.equals("0");
        }
    }

    /**
     * What an {@code int f(h, …, unsigned char** out, size_t* out_len)} call did.
     *
     * @param returned  the int it returned
     * @param length    what it left in {@code *out_len} ({@link #lengthUntouched()} if it did not write it)
     * @param data      the bytes it handed out, if it returned 0 and set a buffer
     */
    public record Output(int returned, long length, Optional<byte[]> data) {
        public boolean lengthUntouched() {
            return length == HostProtocol.LEN_SENTINEL;
        }

        @Override
        public String toString() {
            return "Output[returned=" + returned + ", length=" + length + ", data «masked»]";
        }
    }

    private final Config config;
    private AdapterProcess host;
    private int starts;

    public HsmAdapter(Config config) {
        this.config = config;
    }

    public AdapterType type() {
        return config.type();
    }

    public Path library() {
        return config.library();
    }

    public Duration callDeadline() {
        return config.callDeadline();
    }

    private synchronized AdapterProcess host() throws AdapterFailure {
        if (host == null || !host.alive()) {
            if (host != null) {
                host.close();
            }
            host = null;
            host = AdapterProcess.start(config.library(), config.callDeadline(), config.startDeadline(),
                    config.scratch().resolve("host-" + (++starts)));
        }
        return host;
    }

    /** Ends the current host, if any; the next call starts a fresh one with nothing initialised. */
    public synchronized void restart() {
        if (host != null) {
            host.close();
            host = null;
        }
    }

    /** Which of the hsm_client_data.h symbols the library exports. */
    public Map<String, Boolean> symbols() throws AdapterFailure {
        Map<String, Boolean> out = new LinkedHashMap<>();
        for (String pair : call("looking up the exported symbols", "symbols").split(" ")) {
            String[] kv = pair.split("=");
            out.put(kv[0], kv[1].equals("1"));
        }
        return out;
    }

    /** Calls this type's init function; empty when the library does not export it (and the type does not need it). */
    public Optional<Integer> init() throws AdapterFailure {
        Optional<String> fn = config.type().init();
        if (fn.isEmpty() || !symbols().get(fn.get())) {
            return Optional.empty();
        }
        return Optional.of(Integer.parseInt(call(fn.get() + "()", "call-int " + fn.get())));
    }

    public void deinit() throws AdapterFailure {
        Optional<String> fn = config.type().deinit();
        if (fn.isPresent() && symbols().get(fn.get())) {
            call(fn.get() + "()", "call-void " + fn.get());
        }
    }

    /**
     * For each field of the function table, whether it is set ({@code '1'}) or NULL ({@code '0'}); empty when the
     * getter returned NULL.
     */
    public Optional<String> interfaceFields() throws AdapterFailure {
        String getter = config.type().interfaceGetter();
        String r = call(getter + "()", "iface " + getter + " " + config.type().fields().size());
        return r.equals("~") ? Optional.empty() : Optional.of(r);
    }

    public Handle create() throws AdapterFailure {
        AdapterProcess p = host();
        return new Handle(p.call(field(0) + "()", "create " + table(0)), starts);
    }

    /** Destroys {@code h}; a handle of a host that has since ended is gone with it, so there is nothing to do. */
    public void destroy(Handle h) throws AdapterFailure {
        if (stale(h)) {
            return;
        }
        call(field(1) + "(" + describe(h) + ")", "destroy " + table(1) + " " + h.address());
    }

    /** Creates and destroys a handle {@code rounds} times inside the host; returns how many creates gave NULL. */
    public int createDestroyLoop(int rounds) throws AdapterFailure {
        return Integer.parseInt(call(field(0) + "/" + field(1) + " x" + rounds,
                "loop " + config.type().interfaceGetter() + " 0 1 " + rounds));
    }

    /** A {@code char* f(h)} function; the string is freed with free() in the host. Empty for NULL. */
    public Optional<String> string(String field, Handle h) throws AdapterFailure {
        requireLive(h, field);
        byte[] b = HostProtocol.decode(call(field + "(" + describe(h) + ")", "str " + table(field) + " " + h.address()));
        return Optional.ofNullable(b).map(x -> new String(x, StandardCharsets.UTF_8));
    }

    /** {@code int f(h, unsigned char** out, size_t* len)}: get_ek, get_srk. */
    public Output output(String field, Handle h, boolean nullOut, boolean nullLength) throws AdapterFailure {
        requireLive(h, field);
        return parseOutput(call(field + "(" + describe(h) + (nullOut ? ", NULL" : "") + (nullLength ? ", NULL len" : "")
                + ")", "out " + table(field) + " " + h.address() + " " + flag(nullOut) + " " + flag(nullLength)));
    }

    /** {@code sign_with_identity(h, data, len, &out, &out_len)}; {@code data} may be null. */
    public Output sign(Handle h, byte[] data, long length, boolean nullOut, boolean nullLength) throws AdapterFailure {
        String f = "hsm_client_sign_with_identity";
        requireLive(h, f);
        return parseOutput(call(f + "(" + describe(h) + ", " + length + " bytes)", "sign " + table(f) + " "
                + h.address() + " " + HostProtocol.bytes(data) + " " + length + " " + flag(nullOut) + " "
                + flag(nullLength)));
    }

    /** {@code activate_identity_key(h, key, len)}; {@code key} may be null. */
    public int activate(Handle h, byte[] key, long length) throws AdapterFailure {
        String f = "hsm_client_activate_identity_key";
        requireLive(h, f);
        return Integer.parseInt(call(f + "(" + describe(h) + ", " + (key == null ? "NULL" : length + " bytes") + ")",
                "in " + table(f) + " " + h.address() + " " + HostProtocol.bytes(key) + " " + length));
    }

    /** {@code set_symm_key_info(h, reg_name, symm_key)}; either may be null. */
    public int setSymmetricKeyInfo(Handle h, String registrationName, String key) throws AdapterFailure {
        String f = "hsm_client_set_symm_key_info";
        requireLive(h, f);
        return Integer.parseInt(call(f + "(" + describe(h) + ")", "set " + table(f) + " " + h.address() + " "
                + HostProtocol.bytes(registrationName == null ? null : registrationName.getBytes(StandardCharsets.UTF_8))
                + " " + HostProtocol.bytes(key == null ? null : key.getBytes(StandardCharsets.UTF_8))));
    }

    /** The host's resident memory in KiB (VmRSS). */
    public long rssKib() throws AdapterFailure {
        return host().rssKib();
    }

    /** What the adapter and its host printed so far (for evidence; values the adapter returned are never in it). */
    public synchronized String output() {
        return host == null ? "" : host.output();
    }

    private synchronized boolean stale(Handle h) {
        return !h.isNull() && (host == null || !host.alive() || h.host() != starts);
    }

    /** Refuses a handle whose host has ended: its address means nothing in a new host. */
    private void requireLive(Handle h, String function) throws AdapterFailure {
        if (stale(h)) {
            throw new AdapterFailure(function + ": the handle belonged to an adapter host that has ended earlier in "
                    + "this scenario (see the failure before this one)", true);
        }
    }

    private static String flag(boolean b) {
        return b ? "1" : "0";
    }

    private static String describe(Handle h) {
        return h.isNull() ? "NULL" : "h";
    }

    private String field(int index) {
        return config.type().fields().get(index);
    }

    private String table(int index) {
        return config.type().interfaceGetter() + " " + index;
    }

    private String table(String field) {
        return table(config.type().index(field));
    }

    private static Output parseOutput(String r) {
        String[] t = r.split(" ");
        return new Output(Integer.parseInt(t[0]), Long.parseLong(t[1]), Optional.ofNullable(HostProtocol.decode(t[2])));
    }

    private String call(String what, String request) throws AdapterFailure {
        return host().call(what, request);
    }

    @Override
    public synchronized void close() {
        restart();
    }
}
