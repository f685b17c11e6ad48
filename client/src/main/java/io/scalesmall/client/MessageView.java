package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.RecordReader;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The reusable {@link Message} a {@link BatchDecoder} hands out: offsets into the decompressed
 * records of the current batch, read through its {@link RecordReader}. Nothing is copied unless
 * the caller asks for a copy.
 *
 * <p>Not thread-safe; owned by the reader thread.
 */
final class MessageView implements Message {
    /** Builds the stream-wide cursor with one range's position replaced. */
    interface CursorSource {
        Cursor cursorWith(RangeCursor range);
    }

    private final RecordReader reader;
    private final CursorSource cursors;
    private String stream;
    private RangePosition position;
    private int entry;
    private NodeId coordinator;
    private long batchSeq;
    private long hlcTime;
    private int count;
    private ByteBuf records;
    private byte[] wrappedArray;
    private ByteBuffer payloadView;
    int index;

    MessageView(RecordReader reader, CursorSource cursors) {
        this.reader = reader;
        this.cursors = cursors;
    }

    void beginBatch(
            String stream, RangePosition position, int entry, long batchSeq, long hlcTime, int count, ByteBuf records) {
        this.stream = stream;
        this.position = position;
        this.entry = entry;
        this.coordinator = position.id(entry);
        this.batchSeq = batchSeq;
        this.hlcTime = hlcTime;
        this.count = count;
        this.records = records;
    }

    @Override
    public String stream() {
        return stream;
    }

    @Override
    public int rangeId() {
        return position.rangeId;
    }

    @Override
    public boolean hasKey() {
        return reader.keyLength() >= 0;
    }

    @Override
    public byte[] key() {
        return reader.keyBytes();
    }

    @Override
    public byte[] payload() {
        return reader.valueBytes();
    }

    @Override
    public ByteBuffer payloadBuffer() {
        byte[] array = records.array();
        if (array != wrappedArray) {
            wrappedArray = array;
            payloadView = ByteBuffer.wrap(array);
        }
        int offset = records.arrayOffset() + reader.valueOffset();
        payloadView.clear();
        payloadView.position(offset);
        payloadView.limit(offset + reader.valueLength());
        return payloadView;
    }

    @Override
    public int payloadLength() {
        return reader.valueLength();
    }

    @Override
    public List<Header> headers() {
        return reader.headers();
    }

    @Override
    public long timestampMs() {
        return reader.timestamp();
    }

    @Override
    public long hlcTime() {
        return hlcTime;
    }

    @Override
    public long appendedTimeMs() {
        return BatchFormat.hlcMillis(hlcTime);
    }

    @Override
    public NodeId coordinator() {
        return coordinator;
    }

    @Override
    public long batchSeq() {
        return batchSeq;
    }

    @Override
    public int indexInBatch() {
        return index;
    }

    @Override
    public String cursorAfter() {
        return cursors.cursorWith(position.toRangeCursorAfter(entry, batchSeq, index, count))
                .toToken();
    }

    @Override
    public ReceivedMessage toReceivedMessage() {
        return new ReceivedMessage(
                stream,
                position.rangeId,
                key(),
                payload(),
                headers(),
                timestampMs(),
                hlcTime,
                coordinator,
                batchSeq,
                index);
    }

    @Override
    public String toString() {
        return "Message[" + stream + "/" + position.rangeId + " " + coordinator + ":" + batchSeq + "#" + index + "]";
    }
}
