package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes one message record inside a batch's records section. Varints are unsigned LEB128;
 * the timestamp delta is a zigzag varlong.
 *
 * <pre>
 * varint        bodyLength       bytes after this varint
 * zigzag varlong timestampDelta  create time minus the batch's baseTimestamp, ms
 * varint        keyLength + 1    0 = no key
 * bytes         key
 * varint        valueLength
 * bytes         value            the payload
 * varint        headerCount
 *   varint nameLength, bytes name (UTF-8), varint valueLength, bytes value   (headerCount times)
 * </pre>
 *
 * <p>The body length lets a reader skip a record or bound it before parsing; the server checks it
 * against the maximum message size. Stateless; thread-safe.
 */
public final class RecordCodec {
    private RecordCodec() {}

    /** Size of the record body (everything after the body-length varint). */
    public static int bodySize(long timestampDelta, byte[] key, byte[] value, List<Header> headers) {
        int size = FieldCodec.zigzagVarlongSize(timestampDelta);
        size += key == null ? 1 : FieldCodec.varintSize(key.length + 1) + key.length;
        size += FieldCodec.varintSize(value.length) + value.length;
        int headerCount = headers == null ? 0 : headers.size();
        size += FieldCodec.varintSize(headerCount);
        for (int i = 0; i < headerCount; i++) {
            Header h = headers.get(i);
            int nameLength = utf8Length(h.name());
            size += FieldCodec.varintSize(nameLength) + nameLength;
            size += FieldCodec.varintSize(h.value().length) + h.value().length;
        }
        return size;
    }

    /** Size of the whole record, body-length varint included. */
    public static int recordSize(int bodySize) {
        return FieldCodec.varintSize(bodySize) + bodySize;
    }

    /** Writes one record whose body size is {@code bodySize} (from {@link #bodySize}). */
    public static void write(
            ByteBuf out, int bodySize, long timestampDelta, byte[] key, byte[] value, List<Header> headers) {
        FieldCodec.writeVarint(out, bodySize);
        FieldCodec.writeZigzagVarlong(out, timestampDelta);
        if (key == null) {
            out.writeByte(0);
        } else {
            FieldCodec.writeVarint(out, key.length + 1);
            out.writeBytes(key);
        }
        FieldCodec.writeVarint(out, value.length);
        out.writeBytes(value);
        int headerCount = headers == null ? 0 : headers.size();
        FieldCodec.writeVarint(out, headerCount);
        for (int i = 0; i < headerCount; i++) {
            Header h = headers.get(i);
            byte[] name = h.name().getBytes(StandardCharsets.UTF_8);
            FieldCodec.writeVarint(out, name.length);
            out.writeBytes(name);
            FieldCodec.writeVarint(out, h.value().length);
            out.writeBytes(h.value());
        }
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                n++; // an unpaired surrogate is written as '?'
            } else {
                n += 3;
            }
        }
        return n;
    }
}
