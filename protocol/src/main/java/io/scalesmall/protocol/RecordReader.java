package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A reusable cursor over the records of an uncompressed records section (see {@link RecordCodec}).
 * After {@link #next()} returns true, the accessors describe the current record as offsets into
 * the buffer, so that reading allocates nothing until the caller copies bytes out.
 *
 * <p>Every length is bounds-checked: a malformed section raises {@link ProtocolException} with
 * {@link ErrorCode#INVALID_BATCH}, never an index error. Not thread-safe; one per thread.
 */
public final class RecordReader {
    private ByteBuf buf;
    private int position;
    private int end;
    private long baseTimestamp;
    private int maxBodyBytes;

    private long timestamp;
    private int keyOffset;
    private int keyLength;
    private int valueOffset;
    private int valueLength;
    private int headerCount;
    private int headersOffset;
    private int recordEnd;

    /**
     * Points the reader at {@code length} bytes of records starting at {@code offset}.
     *
     * @param maxBodyBytes records with a larger body raise MESSAGE_TOO_LARGE
     */
    public RecordReader reset(ByteBuf buf, int offset, int length, long baseTimestamp, int maxBodyBytes) {
        this.buf = buf;
        this.position = offset;
        this.end = offset + length;
        this.baseTimestamp = baseTimestamp;
        this.maxBodyBytes = maxBodyBytes;
        return this;
    }

    /** Whether bytes remain after the current record. */
    public boolean hasNext() {
        return position < end;
    }

    /** Advances to the next record; false when the section is exhausted. */
    public boolean next() {
        if (position >= end) {
            return false;
        }
        int bodyLength = readVarint();
        if (bodyLength > maxBodyBytes) {
            throw new ProtocolException(
                    ErrorCode.MESSAGE_TOO_LARGE,
                    "message of " + bodyLength + " bytes exceeds the maximum of " + maxBodyBytes + " bytes");
        }
        if (bodyLength > end - position) {
            throw invalid("record runs past the end of its batch");
        }
        recordEnd = position + bodyLength;
        long delta = readZigzagVarlong();
        timestamp = baseTimestamp + delta;
        int keyField = readVarint();
        keyLength = keyField - 1;
        keyOffset = position;
        if (keyLength > 0) {
            skip(keyLength);
        }
        valueLength = readVarint();
        valueOffset = position;
        skip(valueLength);
        headerCount = readVarint();
        headersOffset = position;
        for (int i = 0; i < headerCount; i++) {
            skip(readVarint());
            skip(readVarint());
        }
        if (position != recordEnd) {
            throw invalid("record body length does not match its fields");
        }
        return true;
    }

    /** Where the current record ends in the buffer (where the next one starts). */
    public int recordEnd() {
        return recordEnd;
    }

    /** Create time of the current record, ms since the epoch. */
    public long timestamp() {
        return timestamp;
    }

    /** Key length of the current record, -1 when it has no key. */
    public int keyLength() {
        return keyLength;
    }

    public int keyOffset() {
        return keyOffset;
    }

    public int valueOffset() {
        return valueOffset;
    }

    public int valueLength() {
        return valueLength;
    }

    public int headerCount() {
        return headerCount;
    }

    /** The buffer the offsets refer to. */
    public ByteBuf buffer() {
        return buf;
    }

    /** A copy of the current key, or null. */
    public byte[] keyBytes() {
        if (keyLength < 0) {
            return null;
        }
        byte[] key = new byte[keyLength];
        buf.getBytes(keyOffset, key);
        return key;
    }

    /** A copy of the current value. */
    public byte[] valueBytes() {
        byte[] value = new byte[valueLength];
        buf.getBytes(valueOffset, value);
        return value;
    }

    /** The current record's headers, decoded (allocates). */
    public List<Header> headers() {
        if (headerCount == 0) {
            return List.of();
        }
        List<Header> headers = new ArrayList<>(headerCount);
        int saved = position;
        position = headersOffset;
        for (int i = 0; i < headerCount; i++) {
            int nameLength = readVarint();
            String name = buf.toString(position, nameLength, StandardCharsets.UTF_8);
            position += nameLength;
            int valueLen = readVarint();
            byte[] value = new byte[valueLen];
            buf.getBytes(position, value);
            position += valueLen;
            headers.add(new Header(name, value));
        }
        position = saved;
        return headers;
    }

    private void skip(int n) {
        if (n < 0 || n > end - position) {
            throw invalid("field runs past the end of its record");
        }
        position += n;
    }

    private int readVarint() {
        int value = 0;
        for (int shift = 0; shift < 32; shift += 7) {
            if (position >= end) {
                throw invalid("varint runs past the end of its batch");
            }
            byte b = buf.getByte(position++);
            value |= (b & 0x7F) << shift;
            if (b >= 0) {
                if (value < 0) {
                    throw invalid("negative length");
                }
                return value;
            }
        }
        throw invalid("varint longer than 5 bytes");
    }

    private long readZigzagVarlong() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end) {
                throw invalid("varint runs past the end of its batch");
            }
            byte b = buf.getByte(position++);
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return (value >>> 1) ^ -(value & 1);
            }
        }
        throw invalid("varlong longer than 10 bytes");
    }

    private static ProtocolException invalid(String why) {
        return new ProtocolException(ErrorCode.INVALID_BATCH, why);
    }
}
