package dev.firstboot.device.devkit;

import dev.firstboot.secret.Secret;

import java.util.Objects;

/** How a user-mode boot ended up once the firmware is about to contact DPS. */
public sealed interface BootPlan {

    /**
     * The firmware starts DPS registration over HTTPS with X.509 individual attestation.
     *
     * @param uds                  the 64 UDS characters as read from zone 6 (may hold non-hex, see {@link #udsBytes()})
     * @param registrationId       the id the alias certificate's CN and the DPS request carry
     * @param automaticId          true when the firmware generated the id (§2.3)
     */
    record Register(Secret uds, String registrationId, boolean automaticId, String globalDeviceEndpoint,
                    String idScope) implements BootPlan {
        public Register {
            Objects.requireNonNull(uds, "uds");
            Objects.requireNonNull(registrationId, "registrationId");
            Objects.requireNonNull(globalDeviceEndpoint, "globalDeviceEndpoint");
            Objects.requireNonNull(idScope, "idScope");
        }

        /**
         * The 32 bytes the firmware derives from the UDS: each char is one nibble through {@code strtoul(base 16)}, so
         * a non-hex char silently becomes 0 and upper case is accepted (§1.5 "Hex handling").
         */
        public byte[] udsBytes() {
            String hex = uds.reveal();
            byte[] out = new byte[hex.length() / 2];
            for (int i = 0; i < out.length; i++) {
                out[i] = (byte) (nibble(hex.charAt(2 * i)) << 4 | nibble(hex.charAt(2 * i + 1)));
            }
            return out;
        }

        private static int nibble(char c) {
            return c < 128 ? Math.max(0, Character.digit(c, 16)) : 0;
        }
    }

    /** The firmware gave up before contacting DPS and printed why; it does not retry until reset. */
    record Halted(Reason reason) implements BootPlan {
        public Halted {
            Objects.requireNonNull(reason, "reason");
        }
    }

    enum Reason {
        /** Reading zone 6 failed. */
        UDS_UNREADABLE,
        /** Zone 6 was never written. */
        UDS_EMPTY,
        /** Zone 6 holds fewer than 64 bytes. */
        UDS_TOO_SHORT,
        /** 64 bytes were read but the string in them is shorter (a NUL inside), so DiceInit refused it. */
        UDS_NOT_64_CHARS,
        /** The sketch's registration id is longer than 128 characters. */
        REGISTRATION_ID_TOO_LONG,
        /** The sketch's registration id has a character outside {@code [a-z0-9-]}. */
        REGISTRATION_ID_INVALID_CHARACTER
    }
}
