package dev.firstboot.device.devkit;

import java.util.Locale;
import java.util.regex.Pattern;

/** The board's Wi-Fi MAC as the firmware prints it: 12 lowercase hex digits, no separators. */
public record MacAddress(String hex) {
    private static final Pattern HEX12 = Pattern.compile("[0-9a-f]{12}");

    public MacAddress {
        if (hex == null || !HEX12.matcher(hex).matches()) {
            throw new IllegalArgumentException("A MAC address here is 12 lowercase hex digits without separators "
                    + "(e.g. a0b1c2d3e4f5), but got '" + hex + "'. Use MacAddress.parse for other spellings.");
        }
    }

    /** Accepts either case and {@code :} or {@code -} separators, as printed on labels. */
    public static MacAddress parse(String text) {
        String hex = text == null ? "" : text.replace(":", "").replace("-", "").toLowerCase(Locale.ROOT);
        if (!HEX12.matcher(hex).matches()) {
            throw new IllegalArgumentException("Expected a MAC address of 6 hex bytes such as A0:B1:C2:D3:E4:F5, "
                    + "but got '" + text + "'.");
        }
        return new MacAddress(hex);
    }

    @Override
    public String toString() {
        return hex;
    }
}
