package dev.firstboot.device.hsm;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The child process that holds a vendor's HSM adapter library: {@code java … AdapterHost LIB}. It answers one request
 * line on stdin with one {@code @fb} line on stdout (see {@link HostProtocol}). Vendor code runs on this process's
 * main thread, so a crash, {@code exit()} or hang ends or stalls only this process; the parent
 * ({@link AdapterProcess}) notices, reports it and starts a fresh host. Buffers the adapter hands out are released
 * with the C library's {@code free()}, as the SDK does. Nothing here prints a returned value except on the protocol.
 */
public final class AdapterHost {
    private final NativeLibrary library;
    private final Function free;
    private final PrintStream out;

    private AdapterHost(NativeLibrary library, PrintStream out) {
        this.library = library;
        this.free = NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME).getFunction("free");
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        // The protocol owns the real stdout; anything else that prints (vendor printf goes to fd 1 regardless) is
        // told apart by the @fb prefix.
        PrintStream protocol = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(System.err);
        if (args.length != 1) {
            protocol.println(HostProtocol.PREFIX + "err usage: AdapterHost LIBRARY.so");
            return;
        }
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance(args[0]);
        } catch (UnsatisfiedLinkError e) {
            protocol.println(HostProtocol.PREFIX + "err " + oneLine(e.getMessage()));
            return;
        }
        AdapterHost host = new AdapterHost(lib, protocol);
        protocol.println(HostProtocol.PREFIX + "ready " + ProcessHandle.current().pid());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("quit")) {
                return;
            }
            String answer;
            try {
                answer = "ok " + host.handle(line.split(" ", -1));
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                answer = "err " + oneLine(String.valueOf(e.getMessage()));
            }
            protocol.println(HostProtocol.PREFIX + answer);
        }
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    private String handle(String[] t) {
        switch (t[0]) {
            case "symbols": {
                StringBuilder sb = new StringBuilder();
                for (String name : HostProtocol.SYMBOLS) {
                    sb.append(sb.isEmpty() ? "" : " ").append(name).append('=').append(present(name) ? '1' : '0');
                }
                return sb.toString();
            }
            case "call-int": // call-int SYMBOL: int f(void)
                return Integer.toString(library.getFunction(t[1]).invokeInt(new Object[0]));
            case "call-void":
                library.getFunction(t[1]).invokeVoid(new Object[0]);
                return "done";
            case "iface": { // iface GETTER FIELDS
                Pointer table = library.getFunction(t[1]).invokePointer(new Object[0]);
                if (table == null) {
                    return "~";
                }
                int fields = Integer.parseInt(t[2]);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < fields; i++) {
                    sb.append(table.getPointer((long) i * Native.POINTER_SIZE) == null ? '0' : '1');
                }
                return sb.toString();
            }
            case "create": // create GETTER INDEX
                return HostProtocol.handle(fn(t[1], t[2]).invokePointer(new Object[0]));
            case "destroy": // destroy GETTER INDEX HANDLE
                fn(t[1], t[2]).invokeVoid(new Object[]{HostProtocol.pointer(t[3])});
                return "done";
            case "loop": { // loop GETTER CREATE DESTROY N
                Function create = fn(t[1], t[2]);
                Function destroy = fn(t[1], t[3]);
                int n = Integer.parseInt(t[4]);
                int nulls = 0;
                for (int i = 0; i < n; i++) {
                    Pointer h = create.invokePointer(new Object[0]);
                    if (h == null) {
                        nulls++;
                    }
                    destroy.invokeVoid(new Object[]{h});
                }
                return Integer.toString(nulls);
            }
            case "str": { // str GETTER INDEX HANDLE -> char*
                Pointer p = fn(t[1], t[2]).invokePointer(new Object[]{HostProtocol.pointer(t[3])});
                if (p == null) {
                    return "~";
                }
                String s = p.getString(0, "UTF-8");
                free.invokeVoid(new Object[]{p});
                return HostProtocol.bytes(s.getBytes(StandardCharsets.UTF_8));
            }
            case "out": { // out GETTER INDEX HANDLE KEYNULL LENNULL -> int f(h, uchar** key, size_t* len)
                return outCall(fn(t[1], t[2]), new Object[]{HostProtocol.pointer(t[3])}, t[4], t[5]);
            }
            case "sign": { // sign GETTER INDEX HANDLE DATA LEN KEYNULL LENNULL
                Object[] in = input(t[4], t[5]);
                return outCall(fn(t[1], t[2]), new Object[]{HostProtocol.pointer(t[3]), in[0], in[1]}, t[6], t[7]);
            }
            case "in": { // in GETTER INDEX HANDLE DATA LEN -> int f(h, const uchar*, size_t)
                Object[] in = input(t[4], t[5]);
                return Integer.toString(fn(t[1], t[2]).invokeInt(
                        new Object[]{HostProtocol.pointer(t[3]), in[0], in[1]}));
            }
            case "set": { // set GETTER INDEX HANDLE A B -> int f(h, const char*, const char*)
                return Integer.toString(fn(t[1], t[2]).invokeInt(
                        new Object[]{HostProtocol.pointer(t[3]), cString(t[4]), cString(t[5])}));
            }
            default:
                throw new IllegalArgumentException("unknown request " + t[0]);
        }
    }

    private boolean present(String name) {
        try {
            library.getFunction(name);
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    private Function fn(String getter, String index) {
        Pointer table = library.getFunction(getter).invokePointer(new Object[0]);
        if (table == null) {
            throw new IllegalStateException(getter + "() returned NULL");
        }
        Pointer f = table.getPointer((long) Integer.parseInt(index) * Native.POINTER_SIZE);
        if (f == null) {
            throw new IllegalStateException("field " + index + " of " + getter + "() is NULL");
        }
        return Function.getFunction(f);
    }

    private static Object[] input(String data, String len) {
        byte[] d = HostProtocol.decode(data);
        Memory m = null;
        if (d != null) {
            m = new Memory(Math.max(1, d.length));
            m.write(0, d, 0, d.length);
        }
        return new Object[]{m, sizeT(Long.parseLong(len))};
    }

    private static Object sizeT(long v) {
        return Native.SIZE_T_SIZE == 8 ? (Object) v : (Object) (int) v;
    }

    private static Memory cString(String b64) {
        byte[] d = HostProtocol.decode(b64);
        if (d == null) {
            return null;
        }
        Memory m = new Memory(d.length + 1L);
        m.write(0, d, 0, d.length);
        m.setByte(d.length, (byte) 0);
        return m;
    }

    private String outCall(Function f, Object[] leading, String keyNull, String lenNull) {
        Memory keyOut = keyNull.equals("1") ? null : new Memory(Native.POINTER_SIZE);
        Memory lenOut = lenNull.equals("1") ? null : new Memory(Native.SIZE_T_SIZE);
        if (keyOut != null) {
            keyOut.setPointer(0, null);
        }
        if (lenOut != null) {
            writeSize(lenOut, HostProtocol.LEN_SENTINEL);
        }
        Object[] args = java.util.Arrays.copyOf(leading, leading.length + 2);
        args[leading.length] = keyOut;
        args[leading.length + 1] = lenOut;
        int rc = f.invokeInt(args);
        long len = lenOut == null ? HostProtocol.LEN_SENTINEL : readSize(lenOut);
        Pointer buffer = keyOut == null ? null : keyOut.getPointer(0);
        String data = "~";
        if (buffer != null) {
            if (rc == 0 && len >= 0 && len <= HostProtocol.MAX_BUFFER) {
                data = HostProtocol.bytes(buffer.getByteArray(0, (int) len));
            }
            free.invokeVoid(new Object[]{buffer});
        }
        return rc + " " + len + " " + data;
    }

    private static void writeSize(Memory m, long v) {
        if (Native.SIZE_T_SIZE == 8) {
            m.setLong(0, v);
        } else {
            m.setInt(0, (int) v);
        }
    }

    private static long readSize(Memory m) {
        return Native.SIZE_T_SIZE == 8 ? m.getLong(0) : m.getInt(0) & 0xffffffffL;
    }
}
