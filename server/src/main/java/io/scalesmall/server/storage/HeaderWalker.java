package io.scalesmall.server.storage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.scalesmall.protocol.BatchFormat;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Walks the batch headers of a region of a segment file that holds only complete, checked
 * batches, reading the file in chunks so that a run of small batches costs one read and a large
 * batch's records are skipped. Not thread-safe: one walk, one thread; close it to free its buffer.
 */
final class HeaderWalker implements AutoCloseable, HeaderVisitor.BatchHeader {
    private final FileChannel channel;
    private final long end;
    private final int chunkBytes;
    private final ByteBuf buf;
    private long bufferStart;
    private int filled;
    private long nextPosition;
    private long position = -1;
    private int offset;
    private int totalBytes;

    /**
     * @param start file position of the first header
     * @param end file position where the walk stops
     * @param chunkBytes how much to read at once when the next header is not buffered
     */
    HeaderWalker(FileChannel channel, long start, long end, int chunkBytes, ByteBufAllocator allocator) {
        this.channel = channel;
        this.end = end;
        this.chunkBytes = Math.max(chunkBytes, BatchFormat.HEADER_BYTES);
        this.buf = allocator.directBuffer(this.chunkBytes);
        this.nextPosition = start;
    }

    /** Moves to the next batch; false at the end of the region. */
    boolean next() throws IOException {
        long at = nextPosition;
        if (at >= end) {
            return false;
        }
        if (end - at < BatchFormat.HEADER_BYTES) {
            throw new IOException("corrupt segment: partial header at " + at);
        }
        if (at < bufferStart || at + BatchFormat.HEADER_BYTES > bufferStart + filled) {
            // After a batch larger than a chunk the records in between are not worth reading.
            int want = totalBytes > chunkBytes ? BatchFormat.HEADER_BYTES : chunkBytes;
            filled = (int) Math.min(end - at, want);
            bufferStart = at;
            FileIo.readFully(channel, buf, 0, filled, at);
        }
        offset = (int) (at - bufferStart);
        totalBytes = BatchFormat.totalBytes(buf, offset);
        if (totalBytes < BatchFormat.HEADER_BYTES || totalBytes > end - at) {
            throw new IOException("corrupt segment: batch length " + totalBytes + " at " + at);
        }
        position = at;
        nextPosition = at + totalBytes;
        return true;
    }

    /** File position of the current batch. */
    long position() {
        return position;
    }

    /** Size of the current batch, length prefix included. */
    int totalBytes() {
        return totalBytes;
    }

    @Override
    public long coordinatorHigh() {
        return buf.getLong(offset + BatchFormat.COORDINATOR_OFFSET);
    }

    @Override
    public long coordinatorLow() {
        return buf.getLong(offset + BatchFormat.COORDINATOR_OFFSET + 8);
    }

    @Override
    public long batchSeq() {
        return BatchFormat.batchSeq(buf, offset);
    }

    @Override
    public long hlcTime() {
        return BatchFormat.hlcTime(buf, offset);
    }

    @Override
    public long producerId() {
        return BatchFormat.producerId(buf, offset);
    }

    @Override
    public long producerSeq() {
        return BatchFormat.producerSeq(buf, offset);
    }

    @Override
    public int count() {
        return BatchFormat.count(buf, offset);
    }

    @Override
    public int attributes() {
        return buf.getByte(offset + BatchFormat.ATTRIBUTES_OFFSET) & 0xFF;
    }

    @Override
    public void close() {
        buf.release();
    }
}
