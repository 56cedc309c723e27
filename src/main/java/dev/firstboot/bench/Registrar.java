package dev.firstboot.bench;

import java.io.IOException;

/** One way of registering a device: a fresh connection, register, poll until assigned, close. */
interface Registrar {
    /** Returns the assigned hub host; throws with a reason a person can act on when DPS did not assign. */
    String register(BenchDevice device) throws IOException;
}
