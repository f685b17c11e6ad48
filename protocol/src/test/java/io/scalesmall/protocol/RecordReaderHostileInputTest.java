package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RecordReader} on truncated or malformed records fails with a protocol error, never an index error. */
class RecordReaderHostileInputTest {
    private static final long BASE_TIMESTAMP = 1_700_000_000_000L;

    private static final List<TestMessage> MESSAGES = List.of(
            new TestMessage(0, null, new byte[] {1, 2, 3}, null),
            new TestMessage(-5, new byte[0], new byte[0], List.of()),
            new TestMessage(
                    300_000,
                    "key".getBytes(StandardCharsets.UTF_8),
                    new byte[200],
                    List.of(Header.of("trace-id", "abc"), Header.of("名前😀", "ü"))));

    @Test
    void readsEveryRecordOfAWellFormedSection() {
        ByteBuf records = TestBatches.records(MESSAGES);
        TestBatches.assertRecords(records, 0, records.readableBytes(), BASE_TIMESTAMP, MESSAGES);
    }

    @Test
    void emptySectionHasNoRecords() {
        RecordReader reader = new RecordReader().reset(Unpooled.EMPTY_BUFFER, 0, 0, BASE_TIMESTAMP, 100);
        assertThat(reader.hasNext()).isFalse();
        assertThat(reader.next()).isFalse();
    }

    @Test
    void sectionCutInsideAnyRecordFailsWithInvalidBatch() {
        ByteBuf records = TestBatches.records(MESSAGES);
        List<Integer> boundaries = recordBoundaries();
        for (int cut = 1; cut < records.readableBytes(); cut++) {
            if (boundaries.contains(cut)) {
                continue;
            }
            int length = cut;
            ByteBuf truncated = Unpooled.wrappedBuffer(ByteBufUtil.getBytes(records, 0, length));
            assertProtocolError(() -> readAll(truncated, 0, length, Integer.MAX_VALUE), ErrorCode.INVALID_BATCH);
        }
    }

    @Test
    void sectionCutAtARecordBoundaryReadsTheWholeRecordsBeforeIt() {
        ByteBuf records = TestBatches.records(MESSAGES);
        List<Integer> boundaries = recordBoundaries();
        for (int i = 0; i < boundaries.size(); i++) {
            int cut = boundaries.get(i);
            assertThat(readAll(records, 0, cut, Integer.MAX_VALUE)).isEqualTo(i + 1);
        }
    }

    @Test
    void bodyLargerThanTheMaximumFailsWithMessageTooLarge() {
        ByteBuf records = TestBatches.records(MESSAGES);
        int largestBody =
                MESSAGES.stream().mapToInt(TestMessage::bodySize).max().orElseThrow();
        int max = largestBody - 1;
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), max), ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(readAll(records, 0, records.readableBytes(), largestBody)).isEqualTo(MESSAGES.size());
    }

    @Test
    void hugeBodyLengthFailsWithMessageTooLargeBeforeAnyBoundsCheck() {
        ByteBuf records = Unpooled.buffer();
        FieldCodec.writeVarint(records, Integer.MAX_VALUE);
        assertProtocolError(
                () -> readAll(records, 0, records.readableBytes(), Protocol.DEFAULT_MAX_MESSAGE_BYTES),
                ErrorCode.MESSAGE_TOO_LARGE);
    }

    @Test
    void bodyLengthPastTheEndOfTheSectionFailsWithInvalidBatch() {
        ByteBuf records = Unpooled.buffer();
        FieldCodec.writeVarint(records, 50);
        records.writeZero(10);
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void varintLongerThanFiveBytesFailsWithInvalidBatch() {
        ByteBuf records = Unpooled.wrappedBuffer(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01));
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void varintThatDecodesToANegativeLengthFailsWithInvalidBatch() {
        ByteBuf records = Unpooled.wrappedBuffer(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0x0F));
        assertProtocolError(
                () -> readAll(records, 0, records.readableBytes(), Integer.MAX_VALUE), ErrorCode.INVALID_BATCH);
    }

    @Test
    void varintCutByTheEndOfTheSectionFailsWithInvalidBatch() {
        ByteBuf records = Unpooled.wrappedBuffer(bytes(0x80, 0x80));
        assertProtocolError(() -> readAll(records, 0, 2, 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void timestampVarlongLongerThanTenBytesFailsWithInvalidBatch() {
        ByteBuf records = Unpooled.buffer();
        records.writeByte(14);
        for (int i = 0; i < 11; i++) {
            records.writeByte(0x80);
        }
        records.writeBytes(bytes(0x01, 0, 0));
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void keyLengthPastTheEndOfTheSectionFailsWithInvalidBatch() {
        // body 3: delta 0, key length 100 (field 101), then nothing
        ByteBuf records = Unpooled.wrappedBuffer(bytes(3, 0, 101, 0));
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void valueLengthPastTheEndOfTheSectionFailsWithInvalidBatch() {
        ByteBuf records = Unpooled.wrappedBuffer(bytes(4, 0, 0, 0x7F, 0));
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void headerCountLargerThanTheHeadersPresentFailsWithInvalidBatch() {
        // body 4: delta 0, no key, empty value, 100 headers, then one byte
        ByteBuf records = Unpooled.wrappedBuffer(bytes(4, 0, 0, 0, 100));
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void bodyLengthLongerThanItsFieldsFailsWithInvalidBatch() {
        // body 5 but the fields take 4 bytes: delta 0, no key, empty value, 0 headers; one stray byte
        ByteBuf records = Unpooled.wrappedBuffer(bytes(5, 0, 0, 0, 0, 0));
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void bodyLengthShorterThanItsFieldsFailsWithInvalidBatch() {
        // body 3 but the fields of the first record take 4 bytes; a second record follows
        ByteBuf records = Unpooled.wrappedBuffer(bytes(3, 0, 0, 0, 0, 4, 0, 0, 0, 0));
        assertProtocolError(() -> readAll(records, 0, records.readableBytes(), 1000), ErrorCode.INVALID_BATCH);
    }

    @Test
    void sectionAtAnOffsetIsReadOnlyWithinItsLength() {
        ByteBuf records = TestBatches.records(MESSAGES);
        int length = records.readableBytes();
        ByteBuf framed =
                Unpooled.buffer().writeBytes(bytes(9, 9, 9)).writeBytes(records).writeBytes(bytes(0xFF, 0xFF));
        TestBatches.assertRecords(framed, 3, length, BASE_TIMESTAMP, MESSAGES);
    }

    /** Reads every record and every field of it; returns the number of records. */
    static int readAll(ByteBuf buf, int offset, int length, int maxBodyBytes) {
        RecordReader reader = new RecordReader().reset(buf, offset, length, BASE_TIMESTAMP, maxBodyBytes);
        int n = 0;
        while (reader.next()) {
            reader.keyBytes();
            reader.valueBytes();
            reader.headers();
            n++;
        }
        return n;
    }

    /** Offsets just after each record of {@link #MESSAGES}. */
    private static List<Integer> recordBoundaries() {
        List<Integer> ends = new ArrayList<>();
        int end = 0;
        for (TestMessage m : MESSAGES) {
            end += RecordCodec.recordSize(m.bodySize());
            ends.add(end);
        }
        return ends;
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
