package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RecordCodecTest {

    @Test
    void noKeyAndEmptyKeyAreDistinctOnTheWire() {
        ByteBuf noKey = Unpooled.buffer();
        RecordCodec.write(noKey, RecordCodec.bodySize(0, null, new byte[0], null), 0, null, new byte[0], null);
        ByteBuf emptyKey = Unpooled.buffer();
        RecordCodec.write(
                emptyKey, RecordCodec.bodySize(0, new byte[0], new byte[0], null), 0, new byte[0], new byte[0], null);
        // bodyLength, delta, key field, value length, header count
        assertThat(noKey.array()).startsWith(4, 0, 0, 0, 0);
        assertThat(emptyKey.array()).startsWith(4, 0, 1, 0, 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "é", "€", "😀", "名前", "a😀b€"})
    void bodySizeCountsHeaderNamesInUtf8Bytes(String name) {
        assertBodySizeMatchesBytesWritten(List.of(new Header(name, new byte[] {1})));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "x\uD83D", "\uD83Dx", "\uDE00", "a\uDE00b"})
    void bodySizeCountsHeaderNamesWithUnpairedSurrogatesAsWritten(String name) {
        assertBodySizeMatchesBytesWritten(List.of(new Header(name, new byte[] {1})));
    }

    private static void assertBodySizeMatchesBytesWritten(List<Header> headers) {
        int bodySize = RecordCodec.bodySize(0, null, new byte[0], headers);
        ByteBuf out = Unpooled.buffer();
        RecordCodec.write(out, bodySize, 0, null, new byte[0], headers);
        assertThat(out.readableBytes() - FieldCodec.varintSize(bodySize))
                .as("bytes written after the body length for header %s", headers)
                .isEqualTo(bodySize);
        // and the reader accepts what the writer produced
        RecordReader reader = new RecordReader().reset(out, 0, out.readableBytes(), 0, Integer.MAX_VALUE);
        assertThat(reader.next()).isTrue();
    }
}
