package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Varints, zigzag varlongs, strings and byte strings: sizes agree with bytes written, and values round trip. */
class FieldCodecProperties {

    @Property
    void varintSizeEqualsBytesWrittenAndTheValueDecodesBack(@ForAll int value) {
        ByteBuf buf = Unpooled.buffer();
        FieldCodec.writeVarint(buf, value);
        assertThat(buf.readableBytes()).isEqualTo(FieldCodec.varintSize(value)).isBetween(1, 5);
        assertThat((int) decodeLeb128(buf)).isEqualTo(value);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void varintOfNonNegativeValueUsesOneByteEverySevenBits(@ForAll int value) {
        int nonNegative = value & Integer.MAX_VALUE;
        int bits = 32 - Integer.numberOfLeadingZeros(nonNegative);
        assertThat(FieldCodec.varintSize(nonNegative)).isEqualTo(Math.max(1, (bits + 6) / 7));
    }

    @Property
    void zigzagVarlongSizeEqualsBytesWrittenAndTheValueDecodesBack(@ForAll long value) {
        ByteBuf buf = Unpooled.buffer();
        FieldCodec.writeZigzagVarlong(buf, value);
        assertThat(buf.readableBytes())
                .isEqualTo(FieldCodec.zigzagVarlongSize(value))
                .isBetween(1, 10);
        long zigzag = decodeLeb128(buf);
        assertThat((zigzag >>> 1) ^ -(zigzag & 1)).isEqualTo(value);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void zigzagKeepsSmallMagnitudesShort(@ForAll long value) {
        if (value >= -64 && value <= 63) {
            assertThat(FieldCodec.zigzagVarlongSize(value)).isEqualTo(1);
        }
        assertThat(FieldCodec.zigzagVarlongSize(value)).isEqualTo(FieldCodec.zigzagVarlongSize(-value - 1));
    }

    @Property
    void stringRoundTripsWithAUtf8LengthPrefix(@ForAll("strings") String s) {
        ByteBuf buf = Unpooled.buffer();
        FieldCodec.writeString(buf, s);
        assertThat(buf.getUnsignedShort(0)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        assertThat(FieldCodec.readString(buf)).isEqualTo(s);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void shortBytesRoundTrip(@ForAll("byteStrings") byte[] bytes) {
        ByteBuf buf = Unpooled.buffer();
        FieldCodec.writeShortBytes(buf, bytes);
        assertThat(FieldCodec.readShortBytes(buf)).isEqualTo(bytes);
        assertThat(buf.isReadable()).isFalse();
    }

    @Provide
    Arbitrary<String> strings() {
        return WireArbitraries.unicodeStrings(300);
    }

    @Provide
    Arbitrary<byte[]> byteStrings() {
        return WireArbitraries.bytes(1000);
    }

    /** An independent LEB128 decoder: 7 bits a byte, low group first, high bit = more follows. */
    private static long decodeLeb128(ByteBuf in) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in.readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }
}
