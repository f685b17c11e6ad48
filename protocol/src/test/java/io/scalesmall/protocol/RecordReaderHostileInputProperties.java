package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static io.scalesmall.protocol.ProtocolAssertions.assertReturnsOrProtocolError;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Whatever bytes a records section holds, {@link RecordReader} either reads records whose fields all lie inside
 * the section or throws INVALID_BATCH / MESSAGE_TOO_LARGE; it never reads outside the section.
 */
class RecordReaderHostileInputProperties {

    @Property(tries = 2000)
    void randomBytesReadOrFailWithInvalidBatchOrMessageTooLarge(
            @ForAll("garbage") byte[] garbage, @ForAll @IntRange(min = 0, max = 2000) int maxBodyBytes) {
        // the buffer ends where the section ends, so a read past the section would raise an index error
        ByteBuf buf = Unpooled.wrappedBuffer(garbage);
        assertReturnsOrProtocolError(
                () -> RecordReaderHostileInputTest.readAll(buf, 0, garbage.length, maxBodyBytes),
                ErrorCode.INVALID_BATCH,
                ErrorCode.MESSAGE_TOO_LARGE);
    }

    @Property(tries = 1000)
    void validSectionWithOneChangedByteReadsOrFailsWithInvalidBatch(
            @ForAll("messageLists") List<TestMessage> messages,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int position,
            @ForAll byte newValue) {
        byte[] section = ByteBufUtil.getBytes(TestBatches.records(messages));
        section[position % section.length] = newValue;
        ByteBuf buf = Unpooled.wrappedBuffer(section);
        assertReturnsOrProtocolError(
                () -> RecordReaderHostileInputTest.readAll(buf, 0, section.length, Integer.MAX_VALUE),
                ErrorCode.INVALID_BATCH);
    }

    @Property(tries = 1000)
    void validSectionCutShortOfItsLastRecordFailsWithInvalidBatch(
            @ForAll("messageLists") List<TestMessage> messages,
            @ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) int shortBy) {
        byte[] section = ByteBufUtil.getBytes(TestBatches.records(messages));
        int lastRecord =
                RecordCodec.recordSize(messages.get(messages.size() - 1).bodySize());
        // lastRecord is at least 5 bytes: body length, delta, key field, value length, header count
        int length = section.length - 1 - (shortBy - 1) % (lastRecord - 1);
        ByteBuf buf = Unpooled.wrappedBuffer(section, 0, length);
        assertProtocolError(
                () -> RecordReaderHostileInputTest.readAll(buf, 0, length, Integer.MAX_VALUE), ErrorCode.INVALID_BATCH);
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.oneOf(
                WireArbitraries.bytes(64),
                // mostly small bytes, which look like plausible varints and lengths
                Arbitraries.bytes()
                        .between((byte) 0, (byte) 12)
                        .array(byte[].class)
                        .ofMaxSize(64),
                WireArbitraries.bytes(600));
    }

    @Provide
    Arbitrary<List<TestMessage>> messageLists() {
        return WireArbitraries.messages().list().ofMinSize(1).ofMaxSize(5);
    }
}
