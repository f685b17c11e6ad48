package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Encodings of the field types frames share: length-prefixed strings and byte strings, and the
 * unsigned variable-length integers used inside message records.
 *
 * <p>Readers throw {@link ProtocolException} with {@link ErrorCode#MALFORMED_FRAME} when a field
 * runs past the end of its frame. Stateless; thread-safe.
 */
public final class FieldCodec {
    private FieldCodec() {}

    /** Writes a u16 length followed by the UTF-8 bytes of {@code s}. */
    public static void writeString(ByteBuf out, String s) {
        int lengthAt = out.writerIndex();
        out.writeShort(0);
        int written = out.writeCharSequence(s, StandardCharsets.UTF_8);
        if (written > 0xFFFF) {
            out.writerIndex(lengthAt);
            throw new IllegalArgumentException("string longer than 65535 bytes");
        }
        out.setShort(lengthAt, written);
    }

    /** Reads a string written by {@link #writeString}. */
    public static String readString(ByteBuf in) {
        int length = readableLength(in, in.isReadable(2) ? in.readUnsignedShort() : -1);
        String s = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length);
        return s;
    }

    /** Writes a u16 length followed by {@code bytes}. */
    public static void writeShortBytes(ByteBuf out, byte[] bytes) {
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("byte string longer than 65535 bytes");
        }
        out.writeShort(bytes.length);
        out.writeBytes(bytes);
    }

    /** Reads bytes written by {@link #writeShortBytes}. */
    public static byte[] readShortBytes(ByteBuf in) {
        int length = readableLength(in, in.isReadable(2) ? in.readUnsignedShort() : -1);
        byte[] bytes = new byte[length];
        in.readBytes(bytes);
        return bytes;
    }

    /** Checks that a fixed-size field of {@code bytes} bytes is present. */
    public static void require(ByteBuf in, int bytes) {
        if (!in.isReadable(bytes)) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "frame ends inside a field");
        }
    }

    private static int readableLength(ByteBuf in, int length) {
        if (length < 0 || !in.isReadable(length)) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "frame ends inside a field");
        }
        return length;
    }

    /** Writes an unsigned varint (7 bits a byte, low group first). */
    public static void writeVarint(ByteBuf out, int value) {
        while ((value & ~0x7F) != 0) {
            out.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    /** Number of bytes {@link #writeVarint} uses for {@code value}. */
    public static int varintSize(int value) {
        int bits = 32 - Integer.numberOfLeadingZeros(value | 1);
        return (bits + 6) / 7;
    }

    /** Writes a signed long as a zigzag varlong. */
    public static void writeZigzagVarlong(ByteBuf out, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    /** Number of bytes {@link #writeZigzagVarlong} uses for {@code value}. */
    public static int zigzagVarlongSize(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bits = 64 - Long.numberOfLeadingZeros(v | 1);
        return (bits + 6) / 7;
    }
}
