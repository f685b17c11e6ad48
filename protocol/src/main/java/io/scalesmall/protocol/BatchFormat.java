package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The layout of a batch: the unit that travels from the producer to the coordinator, into the
 * log, and out to readers unchanged. A PUBLISH carries a batch with uncompressed records and a
 * zero coordinator stamp; the coordinator stamps it, compresses the records once and computes the
 * CRC; from then on the bytes are never rewritten: the log stores them and readers receive them as
 * they are. All integers big-endian.
 *
 * <pre>
 * offset size field
 *   0     4   batchLength      bytes after this field (header rest + records)
 *   4     4   crc              CRC32C of bytes [8, 4 + batchLength); 0 until stamped
 *   8     1   magic            batch format version, 1
 *   9     1   attributes       bits 0-2: records codec (0 none, 1 LZ4 block); bit 3: duplicate;
 *                              bit 4: refusal marker
 *  10     2   reserved         0
 *  12     4   count            number of messages, at least 1
 *  16    16   coordinatorId    node that stamped the batch (zero until stamped)
 *  32     8   batchSeq         coordinator's sequence of this batch in its range, from 1
 *  40     8   hlcTime          hybrid logical clock time of the stamp: ms &lt;&lt; 16 | logical
 *  48     8   producerId       producer identity, for idempotent retries
 *  56     8   producerSeq      sequence of the first message from this producer in this range
 *  64     8   baseTimestamp    producer's create time (ms) of the first message
 *  72     4   recordsLength    uncompressed length of the records section
 *  76     -   records          the message records, compressed per attributes
 * </pre>
 *
 * <p>Why each field: the length frames batches in a segment file and on the wire; the CRC detects
 * torn or corrupt writes at recovery; (coordinatorId, batchSeq) is the batch's place in the range
 * and what cursors count; hlcTime orders batches across nodes and answers "from timestamp";
 * (producerId, producerSeq, count) identify the messages so that retries are stored once. The
 * duplicate bit marks a batch a replica already held under another coordinator (a producer's
 * retry through a second coordinator): kept so that the coordinator's sequence has no hole, and
 * skipped by readers.
 *
 * <p>A <i>refusal marker</i> (bits 3 and 4, no records) is what a replica of a sealed range
 * appends when it answers RANGE_SEALED to a producer's batch: the producer moves those messages to
 * the range's successor, so a batch of that producer starting in {@code [producerSeq, producerSeq
 * + count)} (the refused batch's own span) is void in this range, wherever it turns up later (a
 * copy stamped by a coordinator cut off from the others, repaired into the range after the
 * partition heals). Replicas flag such batches as duplicates and readers skip them. Being a batch,
 * the marker is stored, replicated and repaired like any.
 *
 * <p>Stateless accessors on a buffer whose batch starts at {@code at}; thread-safe.
 */
public final class BatchFormat {
    public static final int LENGTH_OFFSET = 0;
    public static final int CRC_OFFSET = 4;
    public static final int MAGIC_OFFSET = 8;
    public static final int ATTRIBUTES_OFFSET = 9;
    public static final int COUNT_OFFSET = 12;
    public static final int COORDINATOR_OFFSET = 16;
    public static final int BATCH_SEQ_OFFSET = 32;
    public static final int HLC_TIME_OFFSET = 40;
    public static final int PRODUCER_ID_OFFSET = 48;
    public static final int PRODUCER_SEQ_OFFSET = 56;
    public static final int BASE_TIMESTAMP_OFFSET = 64;
    public static final int RECORDS_LENGTH_OFFSET = 72;

    /** Size of the header; records start here. */
    public static final int HEADER_BYTES = 76;

    /** The batch format version this code writes. */
    public static final byte MAGIC = 1;

    public static final int CODEC_MASK = 0x07;
    /** Attribute bit: the messages are stored in another batch of the range already; readers skip it. */
    public static final int DUPLICATE_FLAG = 0x08;
    /** Attribute bit: a refusal marker (with {@link #DUPLICATE_FLAG}; see the class comment). */
    public static final int REFUSAL_FLAG = 0x10;

    public static final int CODEC_NONE = 0;
    public static final int CODEC_LZ4 = 1;

    private static final ThreadLocal<CRC32C> CRC = ThreadLocal.withInitial(CRC32C::new);

    private BatchFormat() {}

    /** Total size of the batch at {@code at}, length prefix included. */
    public static int totalBytes(ByteBuf buf, int at) {
        return buf.getInt(at + LENGTH_OFFSET) + 4;
    }

    public static int count(ByteBuf buf, int at) {
        return buf.getInt(at + COUNT_OFFSET);
    }

    public static int codec(ByteBuf buf, int at) {
        return buf.getByte(at + ATTRIBUTES_OFFSET) & CODEC_MASK;
    }

    /** Whether the batch is flagged as a duplicate (see the class comment). */
    public static boolean isDuplicate(ByteBuf buf, int at) {
        return (buf.getByte(at + ATTRIBUTES_OFFSET) & DUPLICATE_FLAG) != 0;
    }

    /** Whether the batch is a refusal marker (see the class comment). */
    public static boolean isRefusal(ByteBuf buf, int at) {
        return (buf.getByte(at + ATTRIBUTES_OFFSET) & REFUSAL_FLAG) != 0;
    }

    /**
     * Writes an unstamped refusal marker for the {@code count} messages of {@code producerId} from
     * {@code producerSeq}: a header without records, flagged as a duplicate and a refusal; stamp it
     * and write its CRC afterwards.
     */
    public static void writeRefusalMarker(ByteBuf out, long producerId, long producerSeq, int count, long timestampMs) {
        int at = out.writerIndex();
        writeUnstampedHeader(out, count, producerId, producerSeq, timestampMs, 0);
        out.setByte(at + ATTRIBUTES_OFFSET, CODEC_NONE | DUPLICATE_FLAG | REFUSAL_FLAG);
    }

    /** Sets the duplicate flag; call {@link #writeCrc} afterwards. */
    public static void markDuplicate(ByteBuf buf, int at) {
        buf.setByte(at + ATTRIBUTES_OFFSET, buf.getByte(at + ATTRIBUTES_OFFSET) | DUPLICATE_FLAG);
    }

    public static NodeId coordinator(ByteBuf buf, int at) {
        return new NodeId(buf.getLong(at + COORDINATOR_OFFSET), buf.getLong(at + COORDINATOR_OFFSET + 8));
    }

    public static long batchSeq(ByteBuf buf, int at) {
        return buf.getLong(at + BATCH_SEQ_OFFSET);
    }

    public static long hlcTime(ByteBuf buf, int at) {
        return buf.getLong(at + HLC_TIME_OFFSET);
    }

    public static long producerId(ByteBuf buf, int at) {
        return buf.getLong(at + PRODUCER_ID_OFFSET);
    }

    public static long producerSeq(ByteBuf buf, int at) {
        return buf.getLong(at + PRODUCER_SEQ_OFFSET);
    }

    public static long baseTimestamp(ByteBuf buf, int at) {
        return buf.getLong(at + BASE_TIMESTAMP_OFFSET);
    }

    public static int recordsLength(ByteBuf buf, int at) {
        return buf.getInt(at + RECORDS_LENGTH_OFFSET);
    }

    /** The wall-clock milliseconds of an HLC time. */
    public static long hlcMillis(long hlcTime) {
        return hlcTime >>> 16;
    }

    /**
     * Writes the header of an unstamped, uncompressed batch; the caller appends {@code recordsLength}
     * bytes of records right after it.
     */
    public static void writeUnstampedHeader(
            ByteBuf out, int count, long producerId, long producerSeq, long baseTimestamp, int recordsLength) {
        out.writeInt(HEADER_BYTES - 4 + recordsLength);
        out.writeInt(0);
        out.writeByte(MAGIC);
        out.writeByte(CODEC_NONE);
        out.writeShort(0);
        out.writeInt(count);
        out.writeLong(0);
        out.writeLong(0);
        out.writeLong(0);
        out.writeLong(0);
        out.writeLong(producerId);
        out.writeLong(producerSeq);
        out.writeLong(baseTimestamp);
        out.writeInt(recordsLength);
    }

    /** Stamps the coordinator fields of the batch at {@code at}; call {@link #writeCrc} afterwards. */
    public static void stamp(ByteBuf buf, int at, NodeId coordinator, long batchSeq, long hlcTime) {
        buf.setLong(at + COORDINATOR_OFFSET, coordinator.high());
        buf.setLong(at + COORDINATOR_OFFSET + 8, coordinator.low());
        buf.setLong(at + BATCH_SEQ_OFFSET, batchSeq);
        buf.setLong(at + HLC_TIME_OFFSET, hlcTime);
    }

    /** Computes and stores the CRC32C of the batch at {@code at}. */
    public static void writeCrc(ByteBuf buf, int at) {
        buf.setInt(at + CRC_OFFSET, computeCrc(buf, at));
    }

    /** Whether the stored CRC matches the batch's bytes. */
    public static boolean isCrcValid(ByteBuf buf, int at) {
        return buf.getInt(at + CRC_OFFSET) == computeCrc(buf, at);
    }

    private static int computeCrc(ByteBuf buf, int at) {
        int from = at + MAGIC_OFFSET;
        int length = totalBytes(buf, at) - MAGIC_OFFSET;
        CRC32C crc = CRC.get();
        crc.reset();
        if (buf.nioBufferCount() == 1) {
            ByteBuffer nio = buf.nioBuffer(from, length);
            crc.update(nio);
        } else {
            byte[] copy = new byte[length];
            buf.getBytes(from, copy);
            crc.update(copy);
        }
        return (int) crc.getValue();
    }

    /**
     * Checks the framing of a batch header as a reader or recovery sees it: the length covers at
     * least a header, the magic is known and the codec is known.
     *
     * @return null when the header is sane, else the reason it is not
     */
    public static String checkHeader(ByteBuf buf, int at, int available) {
        if (available < HEADER_BYTES) {
            return "batch shorter than its header";
        }
        int total = totalBytes(buf, at);
        if (total < HEADER_BYTES || total > available) {
            return "batch length " + total + " outside [" + HEADER_BYTES + ", " + available + "]";
        }
        if (buf.getByte(at + MAGIC_OFFSET) != MAGIC) {
            return "unknown batch format " + buf.getByte(at + MAGIC_OFFSET);
        }
        int codec = codec(buf, at);
        if (codec != CODEC_NONE && codec != CODEC_LZ4) {
            return "unknown records codec " + codec;
        }
        if (count(buf, at) < 1) {
            return "batch has no messages";
        }
        if (recordsLength(buf, at) < 0) {
            return "negative records length";
        }
        return null;
    }
}
