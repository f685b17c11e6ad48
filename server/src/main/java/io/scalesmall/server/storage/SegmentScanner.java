package io.scalesmall.server.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.scalesmall.protocol.BatchFormat;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Recovery scan of one segment file: checks every batch (header sanity, length within the file,
 * batch sequence equal to the expected log index, CRC) and feeds the good ones to the segment, up
 * to the first bad or incomplete batch. Stateless; thread-safe.
 */
final class SegmentScanner {
    private static final int CHUNK_BYTES = 1 << 20;

    /**
     * @param validBytes length of the prefix of complete, valid batches
     * @param problem why the scan stopped before the end of the file, or null
     */
    record Result(long validBytes, String problem) {}

    private SegmentScanner() {}

    static Result scan(Segment segment, ByteBufAllocator allocator) throws IOException {
        FileChannel channel = segment.channel();
        long fileSize = channel.size();
        ByteBuf buf = allocator.directBuffer((int) Math.min(CHUNK_BYTES, Math.max(fileSize, 1)));
        try {
            long bufferStart = 0;
            int filled = 0;
            long position = 0;
            long index = segment.baseIndex();
            long hlcMax = 0;
            while (position < fileSize) {
                long remaining = fileSize - position;
                int available = (int) Math.min(remaining, Integer.MAX_VALUE);
                int headerBytes = Math.min(available, BatchFormat.HEADER_BYTES);
                if (position + headerBytes > bufferStart + filled) {
                    filled = fill(channel, buf, position, headerBytes, remaining);
                    bufferStart = position;
                }
                int offset = (int) (position - bufferStart);
                String problem = BatchFormat.checkHeader(buf, offset, available);
                if (problem != null) {
                    return new Result(position, problem);
                }
                int total = BatchFormat.totalBytes(buf, offset);
                if (position + total > bufferStart + filled) {
                    filled = fill(channel, buf, position, total, remaining);
                    bufferStart = position;
                    offset = 0;
                }
                if (!BatchFormat.isCrcValid(buf, offset)) {
                    return new Result(position, "CRC mismatch in batch " + index);
                }
                hlcMax = Math.max(hlcMax, BatchFormat.hlcTime(buf, offset));
                segment.onAppended(index, position, total, hlcMax);
                position += total;
                index++;
            }
            return new Result(position, null);
        } finally {
            buf.release();
        }
    }

    /** Refills {@code buf} from {@code position} with at least {@code needed} bytes; returns how many. */
    private static int fill(FileChannel channel, ByteBuf buf, long position, int needed, long remaining)
            throws IOException {
        int length = (int) Math.min(remaining, Math.max(needed, CHUNK_BYTES));
        if (buf.capacity() < length) {
            buf.capacity(length);
        }
        buf.clear();
        FileIo.readFully(channel, buf, 0, length, position);
        buf.writerIndex(length);
        return length;
    }
}
