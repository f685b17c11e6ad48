package io.scalesmall.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A message header: a name and a value. Immutable when the caller does not touch the array.
 *
 * @param name header name
 * @param value header value bytes
 */
public record Header(String name, byte[] value) {
    /** A header whose value is the UTF-8 bytes of {@code value}. */
    public static Header of(String name, String value) {
        return new Header(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /** The value decoded as UTF-8. */
    public String valueAsString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && h.name.equals(name) && Arrays.equals(h.value, value);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return name + "=" + valueAsString();
    }
}
