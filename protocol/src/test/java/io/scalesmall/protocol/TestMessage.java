package io.scalesmall.protocol;

import java.util.Arrays;
import java.util.List;

/**
 * A message as a test writes it into a batch and expects to read it back.
 *
 * @param timestampDelta create time minus the batch's base timestamp
 * @param key key, or null for none
 * @param value payload
 * @param headers headers, or null for none
 */
record TestMessage(long timestampDelta, byte[] key, byte[] value, List<Header> headers) {
    int bodySize() {
        return RecordCodec.bodySize(timestampDelta, key, value, headers);
    }

    List<Header> headersOrEmpty() {
        return headers == null ? List.of() : headers;
    }

    @Override
    public String toString() {
        return "TestMessage[delta=" + timestampDelta + ", key=" + (key == null ? "null" : Arrays.toString(key))
                + ", value=" + value.length + " bytes, headers=" + headers + "]";
    }
}
