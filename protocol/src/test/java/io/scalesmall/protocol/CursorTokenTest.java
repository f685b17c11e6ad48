package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CursorTokenTest {
    private static final NodeId NODE = new NodeId(11, 22);
    private static final Cursor CURSOR = new Cursor(List.of(
            new RangeCursor(0, List.of(new RangeCursor.Entry(NODE, 5, 2))),
            new RangeCursor(
                    3, List.of(new RangeCursor.Entry(NODE, 1, 0), new RangeCursor.Entry(new NodeId(1, 1), 7, 9)))));

    @ParameterizedTest
    @ValueSource(
            strings = {"", "c", "c1", "C1AQAA", "c2AQAA", "x1AQAA", "c1!!!!", "c1AQ", "c1AQA=A", "c1 AQAA", "hello"})
    void junkTextFailsWithInvalidCursor(String token) {
        assertProtocolError(() -> Cursor.fromToken(token), ErrorCode.INVALID_CURSOR);
    }

    @Test
    void nullTokenFailsWithInvalidCursor() {
        assertProtocolError(() -> Cursor.fromToken(null), ErrorCode.INVALID_CURSOR);
    }

    @Test
    void emptyCursorIsAShortTokenAndEveryRangeStartsAtItsBeginning() {
        Cursor empty = new Cursor(List.of());
        assertThat(empty.toToken()).isEqualTo("c1AQAA");
        assertThat(Cursor.fromToken("c1AQAA")).isEqualTo(empty);
        assertThat(empty.range(4)).isEqualTo(RangeCursor.beginning(4));
    }

    @Test
    void tokenCutAtAnyCharacterFailsWithInvalidCursor() {
        String token = CURSOR.toToken();
        assertThat(Cursor.fromToken(token)).isEqualTo(CURSOR);
        for (int cut = 0; cut < token.length(); cut++) {
            String prefix = token.substring(0, cut);
            assertProtocolError(() -> Cursor.fromToken(prefix), ErrorCode.INVALID_CURSOR);
        }
    }

    @Test
    void tokenWithTrailingBytesFailsWithInvalidCursor() {
        byte[] bytes = decode(CURSOR.toToken());
        byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertProtocolError(() -> Cursor.fromToken(encode(longer)), ErrorCode.INVALID_CURSOR);
    }

    @Test
    void tokenOfAnUnknownFormatFailsWithInvalidCursor() {
        byte[] bytes = decode(CURSOR.toToken());
        bytes[0] = 2;
        assertProtocolError(() -> Cursor.fromToken(encode(bytes)), ErrorCode.INVALID_CURSOR);
    }

    @Test
    void tokenWithANegativeSkipFailsWithInvalidCursor() {
        ByteBuf buf = Unpooled.buffer().writeByte(1).writeShort(1).writeInt(0).writeShort(1);
        NODE.write(buf);
        buf.writeLong(1).writeInt(-3);
        assertProtocolError(() -> Cursor.fromToken(encode(ByteBufUtil.getBytes(buf))), ErrorCode.INVALID_CURSOR);
    }

    @Test
    void tokenThatNamesMoreRangesThanItHoldsFailsWithInvalidCursor() {
        ByteBuf buf = Unpooled.buffer().writeByte(1).writeShort(0xFFFF);
        assertProtocolError(() -> Cursor.fromToken(encode(ByteBufUtil.getBytes(buf))), ErrorCode.INVALID_CURSOR);
    }

    @Test
    void rangeCursorEntryFollowsTheLatestProgressOfEachCoordinator() {
        RangeCursor range = RangeCursor.beginning(3)
                .with(NODE, 1, 0)
                .with(new NodeId(1, 1), 4, 2)
                .with(NODE, 2, 5);
        assertThat(range.entry(NODE)).isEqualTo(new RangeCursor.Entry(NODE, 2, 5));
        assertThat(range.entry(new NodeId(1, 1))).isEqualTo(new RangeCursor.Entry(new NodeId(1, 1), 4, 2));
        assertThat(range.entry(new NodeId(9, 9))).isNull();
        assertThat(range.entries()).hasSize(2);
    }

    private static byte[] decode(String token) {
        return Base64.getUrlDecoder().decode(token.substring(2));
    }

    private static String encode(byte[] bytes) {
        return "c1" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
