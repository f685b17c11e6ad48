package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LAG and LAG_OK bodies: round trips, and truncated or out-of-range bytes refused as malformed. */
class LagFramesTest {
    private static final NodeId NODE = new NodeId(1, 2);

    @Test
    void aRequestRoundTripsWithEachKindOfStart() {
        for (StartPosition start : List.of(
                StartPosition.beginning(),
                StartPosition.end(),
                StartPosition.timestamp(1_700_000_000_000L),
                StartPosition.cursor(new RangeCursor(7, List.of(new RangeCursor.Entry(NODE, 41, 3)))))) {
            LagRequest request = new LagRequest("orders", 7, start);
            ByteBuf buf = Unpooled.buffer();
            request.write(buf);
            assertThat(LagRequest.read(buf)).isEqualTo(request);
            assertThat(buf.readableBytes()).isZero();
        }
    }

    @Test
    void anAnswerRoundTripsAndEveryTruncationIsMalformed() {
        LagResponse response = new LagResponse(7, 1234, 12, 5L << 16, 9L << 16, true);
        ByteBuf buf = Unpooled.buffer();
        response.write(buf);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(0, bytes);
        assertThat(LagResponse.read(buf)).isEqualTo(response);

        for (int length = 0; length < bytes.length; length++) {
            ByteBuf cut = Unpooled.wrappedBuffer(bytes, 0, length);
            assertThatThrownBy(() -> LagResponse.read(cut))
                    .isInstanceOf(ProtocolException.class)
                    .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.MALFORMED_FRAME));
        }
    }

    @Test
    void negativeCountsAndUnknownFlagsAreMalformed() {
        ByteBuf negative = Unpooled.buffer();
        negative.writeInt(1)
                .writeLong(-1)
                .writeLong(0)
                .writeLong(0)
                .writeLong(0)
                .writeByte(0);
        assertThatThrownBy(() -> LagResponse.read(negative)).isInstanceOf(ProtocolException.class);

        ByteBuf flags = Unpooled.buffer();
        flags.writeInt(1).writeLong(0).writeLong(0).writeLong(0).writeLong(0).writeByte(2);
        assertThatThrownBy(() -> LagResponse.read(flags))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("flags");
    }
}
