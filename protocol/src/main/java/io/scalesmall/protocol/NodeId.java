package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.util.Random;

/**
 * A node's stable 128-bit random identity, kept in its data directory. On the wire: 16 bytes,
 * high half first. Immutable.
 *
 * @param high the upper 64 bits
 * @param low the lower 64 bits
 */
public record NodeId(long high, long low) {
    /** Wire size. */
    public static final int BYTES = 16;

    /** The all-zero id, used where no node is meant (an unstamped batch). */
    public static final NodeId NONE = new NodeId(0, 0);

    /** A fresh random id drawn from {@code random}. */
    public static NodeId random(Random random) {
        return new NodeId(random.nextLong(), random.nextLong());
    }

    /** Writes the 16 bytes. */
    public void write(ByteBuf out) {
        out.writeLong(high);
        out.writeLong(low);
    }

    /** Reads 16 bytes written by {@link #write}. */
    public static NodeId read(ByteBuf in) {
        FieldCodec.require(in, BYTES);
        return new NodeId(in.readLong(), in.readLong());
    }

    /** Parses the 32-hex-digit form {@link #toString} gives. */
    public static NodeId parse(String hex) {
        if (hex.length() != 32) {
            throw new IllegalArgumentException("a node id has 32 hex digits: " + hex);
        }
        return new NodeId(
                Long.parseUnsignedLong(hex.substring(0, 16), 16), Long.parseUnsignedLong(hex.substring(16), 16));
    }

    /** 32 lower-case hex digits. */
    @Override
    public String toString() {
        return String.format("%016x%016x", high, low);
    }
}
