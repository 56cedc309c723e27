package dev.firstboot.service.dps.admin;

import java.util.Optional;

/**
 * One service API request, as the transport read it. {@code authorization} is a secret: this record's
 * {@code toString} never shows it.
 */
record AdminCall(String method, AdminRoute route, Optional<String> authorization, Optional<String> ifMatch,
                 Optional<String> maxItemCount, Optional<String> continuation, byte[] body) {
    @Override
    public String toString() {
        return "AdminCall[" + method + " " + route.path() + ", " + body.length + " body bytes]";
    }
}
