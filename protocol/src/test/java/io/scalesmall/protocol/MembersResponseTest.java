package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MEMBERS_OK: its fixed layout, truncation anywhere, and values outside the fields' ranges. */
class MembersResponseTest {
    private static final NodeId NODE = new NodeId(0x0123456789ABCDEFL, 0xFEDCBA9876543210L);

    private static MembersResponse table() {
        return new MembersResponse(
                NODE,
                List.of(
                        new MembersResponse.Member(
                                NODE,
                                3,
                                "ALIVE",
                                1_700_000_000_000L,
                                "10.0.0.1",
                                7946,
                                "10.0.0.1",
                                7070,
                                1L << 40,
                                1L << 33,
                                8,
                                "eu-west-1a"),
                        new MembersResponse.Member(
                                new NodeId(1, 2), 0, "LEFT", 5, "h2", 7947, "h2", 7071, 0, 0, 0, "")));
    }

    private static byte[] encode(MembersResponse response) {
        ByteBuf out = Unpooled.buffer();
        response.write(out);
        return ByteBufUtil.getBytes(out);
    }

    @Test
    void memberWithEmptyStringsTakesTheMinimumSize() {
        MembersResponse one = new MembersResponse(
                NODE, List.of(new MembersResponse.Member(NODE, 0, "DEAD", 0, "", 0, "", 0, 0, 0, 0, "")));
        assertThat(encode(one)).hasSize(NodeId.BYTES + 4 + MembersResponse.MIN_MEMBER_BYTES);
    }

    @Test
    void statusTravelsAsItsCode() {
        byte[] bytes = encode(table());
        int firstStatusAt = NodeId.BYTES + 4 + NodeId.BYTES + 8;
        assertThat(bytes[firstStatusAt]).isEqualTo((byte) 0);
        assertThat(MembersResponse.read(Unpooled.wrappedBuffer(bytes))).isEqualTo(table());
    }

    @Test
    void bodyCutAtAnyByteFailsWithMalformedFrame() {
        byte[] whole = encode(table());
        for (int cut = 0; cut < whole.length; cut++) {
            ByteBuf truncated = Unpooled.wrappedBuffer(whole, 0, cut);
            assertProtocolError(() -> MembersResponse.read(truncated), ErrorCode.MALFORMED_FRAME);
        }
    }

    @Test
    void unknownStatusCodeFailsWithMalformedFrame() {
        byte[] bytes = encode(table());
        bytes[NodeId.BYTES + 4 + NodeId.BYTES + 8] = 4;
        assertProtocolError(() -> MembersResponse.read(Unpooled.wrappedBuffer(bytes)), ErrorCode.MALFORMED_FRAME);
    }

    @Test
    void countTheBodyCannotHoldFailsBeforeAllocating() {
        for (long count : new long[] {3, 0xFFFF_FFFFL, 0x8000_0000L}) {
            ByteBuf body = Unpooled.buffer();
            NODE.write(body);
            body.writeInt((int) count).writeZero(2 * MembersResponse.MIN_MEMBER_BYTES);
            assertProtocolError(() -> MembersResponse.read(body), ErrorCode.MALFORMED_FRAME);
        }
    }

    @Test
    void memberWithAnUnknownStatusOrPortOutOfRangeIsRefusedOnTheWritingSide() {
        assertThatThrownBy(() -> new MembersResponse.Member(NODE, 0, "GONE", 0, "h", 1, "h", 1, 0, 0, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MembersResponse.Member(NODE, 0, "ALIVE", 0, "h", 65_536, "h", 1, 0, 0, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void frameTypesAreRegistered() {
        assertThat(FrameType.fromCode(0x08)).isEqualTo(FrameType.MEMBERS);
        assertThat(FrameType.fromCode(0x88)).isEqualTo(FrameType.MEMBERS_OK);
    }
}
