package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Compresses a batch's records section with LZ4 (block format; the uncompressed length is in the
 * batch header) and decompresses it for readers. The coordinator compresses once; the log and the
 * readers keep the compressed bytes. Decompression uses the safe decompressor because readers may
 * see bytes they did not produce.
 *
 * <p>Stateless; thread-safe.
 */
public final class BatchCompression {
    private static final LZ4Factory LZ4 = LZ4Factory.fastestInstance();
    private static final LZ4Compressor COMPRESSOR = LZ4.fastCompressor();
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4.safeDecompressor();

    /** LZ4 cannot expand input by more than this factor; a header claiming more is corrupt. */
    private static final int MAX_LZ4_EXPANSION = 255;

    private BatchCompression() {}

    /**
     * Returns a new buffer holding the batch at {@code at} of {@code source} with its records
     * LZ4-compressed, or with the records as they are when compression would not make them
     * smaller. The source is not modified or released. The CRC is not computed.
     */
    public static ByteBuf compress(ByteBuf source, int at, ByteBufAllocator allocator) {
        int recordsLength = BatchFormat.recordsLength(source, at);
        int recordsAt = at + BatchFormat.HEADER_BYTES;
        int maxCompressed = COMPRESSOR.maxCompressedLength(recordsLength);
        ByteBuf out = allocator.directBuffer(BatchFormat.HEADER_BYTES + maxCompressed);
        try {
            out.writeBytes(source, at, BatchFormat.HEADER_BYTES);
            ByteBuffer src = nio(source, recordsAt, recordsLength);
            ByteBuffer dst = out.nioBuffer(BatchFormat.HEADER_BYTES, maxCompressed);
            int compressed =
                    COMPRESSOR.compress(src, src.position(), recordsLength, dst, dst.position(), maxCompressed);
            if (compressed < recordsLength) {
                out.writerIndex(BatchFormat.HEADER_BYTES + compressed);
                out.setByte(BatchFormat.ATTRIBUTES_OFFSET, BatchFormat.CODEC_LZ4);
            } else {
                out.writeBytes(source, recordsAt, recordsLength);
                out.setByte(BatchFormat.ATTRIBUTES_OFFSET, BatchFormat.CODEC_NONE);
            }
            out.setInt(BatchFormat.LENGTH_OFFSET, out.writerIndex() - 4);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * Writes the uncompressed records of the batch at {@code at} into {@code target} (cleared
     * first, grown as needed).
     *
     * @throws ProtocolException with INVALID_BATCH when the records do not decompress to the
     *     length the header names
     */
    public static void decompressRecords(ByteBuf batch, int at, ByteBuf target) {
        int recordsLength = BatchFormat.recordsLength(batch, at);
        int storedLength = BatchFormat.totalBytes(batch, at) - BatchFormat.HEADER_BYTES;
        int recordsAt = at + BatchFormat.HEADER_BYTES;
        if (recordsLength < 0 || storedLength < 0 || recordsLength > (long) storedLength * MAX_LZ4_EXPANSION + 64) {
            throw new ProtocolException(
                    ErrorCode.INVALID_BATCH,
                    "records length " + recordsLength + " is impossible for " + storedLength + " stored bytes");
        }
        target.clear();
        target.ensureWritable(recordsLength);
        if (BatchFormat.codec(batch, at) == BatchFormat.CODEC_NONE) {
            if (storedLength != recordsLength) {
                throw new ProtocolException(ErrorCode.INVALID_BATCH, "records length does not match batch length");
            }
            target.writeBytes(batch, recordsAt, recordsLength);
            return;
        }
        ByteBuffer src = nio(batch, recordsAt, storedLength);
        boolean direct = target.nioBufferCount() == 1;
        ByteBuffer dst = direct ? target.nioBuffer(0, recordsLength) : ByteBuffer.allocate(recordsLength);
        int written;
        try {
            written = DECOMPRESSOR.decompress(src, src.position(), storedLength, dst, dst.position(), recordsLength);
        } catch (LZ4Exception | IndexOutOfBoundsException e) {
            throw new ProtocolException(ErrorCode.INVALID_BATCH, "records do not decompress: " + e.getMessage());
        }
        if (written != recordsLength) {
            throw new ProtocolException(ErrorCode.INVALID_BATCH, "records decompress to the wrong length");
        }
        if (direct) {
            target.writerIndex(recordsLength);
        } else {
            target.writeBytes(dst.array(), 0, recordsLength);
        }
    }

    private static ByteBuffer nio(ByteBuf buf, int index, int length) {
        if (buf.nioBufferCount() == 1) {
            return buf.nioBuffer(index, length);
        }
        byte[] copy = new byte[length];
        buf.getBytes(index, copy);
        return ByteBuffer.wrap(copy);
    }
}
