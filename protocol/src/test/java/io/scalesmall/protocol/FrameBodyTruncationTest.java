package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every frame body reader, given a body cut anywhere short of its end, throws MALFORMED_FRAME rather than an
 * index error; values outside a field's range give the documented codes.
 */
class FrameBodyTruncationTest {
    private static final NodeId NODE = new NodeId(0x0123456789ABCDEFL, 0xFEDCBA9876543210L);
    private static final RangeCursor CURSOR = new RangeCursor(
            7, List.of(new RangeCursor.Entry(NODE, 41, 3), new RangeCursor.Entry(new NodeId(1, 2), 9, 0)));
    private static final StreamOptions OPTIONS = new StreamOptions(3, 86_400_000L, 1L << 30);

    static Stream<Arguments> bodies() {
        return Stream.of(
                body(
                        "HELLO",
                        out -> new HelloRequest("client-ü", new DurabilityPolicy(2, 1), 1 << 22).write(out),
                        HelloRequest::read),
                body(
                        "HELLO_OK",
                        out -> new HelloResponse(NODE, 1 << 22, 1 << 20, 5, 5).write(out),
                        HelloResponse::read),
                body(
                        "PUBLISH prefix",
                        out -> PublishRequest.writePrefix(out, "orders", 3, DurabilityPolicy.DISK_1),
                        PublishRequest::read),
                body(
                        "PUBLISH_OK",
                        out -> new PublishResponse(3, NODE, 12, 99L << 16, true, 2, 1).write(out),
                        PublishResponse::read),
                body(
                        "FETCH from beginning",
                        out -> fetch(StartPosition.beginning()).write(out),
                        FetchRequest::read),
                body(
                        "FETCH from timestamp",
                        out -> fetch(StartPosition.timestamp(1_700_000_000_000L))
                                .write(out),
                        FetchRequest::read),
                body(
                        "FETCH from cursor",
                        out -> fetch(StartPosition.cursor(CURSOR)).write(out),
                        FetchRequest::read),
                body(
                        "FETCH_OK prefix and batches",
                        out -> {
                            new DataResponse(7, false, CURSOR, 10).writePrefix(out);
                            out.writeZero(10);
                        },
                        DataResponse::readPrefix),
                body(
                        "ERROR",
                        out -> new ErrorResponse(ErrorCode.UNKNOWN_STREAM, "no stream 'x'").write(out),
                        ErrorResponse::read),
                body("StreamOptions", OPTIONS::write, StreamOptions::read),
                body(
                        "CREATE_STREAM",
                        out -> new CreateStreamRequest("orders", OPTIONS).write(out),
                        CreateStreamRequest::read),
                body("METADATA", out -> new MetadataRequest(List.of("a", "bc")).write(out), MetadataRequest::read),
                body("METADATA_OK", out -> metadata().write(out), MetadataResponse::read),
                body("UNSUBSCRIBE", out -> new UnsubscribeRequest(5).write(out), UnsubscribeRequest::read),
                body("StartPosition beginning", out -> StartPosition.beginning().write(out), StartPosition::read),
                body(
                        "StartPosition timestamp",
                        out -> StartPosition.timestamp(5).write(out),
                        StartPosition::read),
                body("StartPosition cursor", out -> StartPosition.cursor(CURSOR).write(out), StartPosition::read),
                body("RangeCursor", CURSOR::write, RangeCursor::read),
                body("NodeId", NODE::write, NodeId::read));
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void wholeBodyReadsBackToTheSameValueAndIsConsumed(Consumer<ByteBuf> writer, Function<ByteBuf, Object> reader) {
        ByteBuf whole = encode(writer);
        Object value = reader.apply(whole);
        assertThat(value).isNotNull();
        if (!(value instanceof DataResponse) && !(value instanceof PublishRequest)) {
            assertThat(whole.isReadable()).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("bodies")
    void bodyCutAtAnyByteFailsWithMalformedFrame(Consumer<ByteBuf> writer, Function<ByteBuf, Object> reader) {
        byte[] whole = ByteBufUtil.getBytes(encode(writer));
        for (int cut = 0; cut < whole.length; cut++) {
            ByteBuf truncated = Unpooled.wrappedBuffer(whole, 0, cut);
            assertProtocolError(() -> reader.apply(truncated), ErrorCode.MALFORMED_FRAME);
        }
    }

    @Test
    void stringWhoseLengthRunsPastTheFrameFailsWithMalformedFrame() {
        ByteBuf body = Unpooled.buffer().writeShort(50).writeBytes(new byte[10]);
        assertProtocolError(() -> FieldCodec.readString(body), ErrorCode.MALFORMED_FRAME);
        ByteBuf bytes = Unpooled.buffer().writeShort(0xFFFF).writeBytes(new byte[10]);
        assertProtocolError(() -> FieldCodec.readShortBytes(bytes), ErrorCode.MALFORMED_FRAME);
    }

    @Test
    void dataResponseWhoseBatchesLengthDisagreesWithTheFrameFailsWithMalformedFrame() {
        for (int declared : new int[] {-1, 9, 11, Integer.MAX_VALUE}) {
            ByteBuf body = Unpooled.buffer();
            new DataResponse(7, true, CURSOR, declared).writePrefix(body);
            body.writeZero(10);
            assertProtocolError(() -> DataResponse.readPrefix(body), ErrorCode.MALFORMED_FRAME);
        }
    }

    @Test
    void fetchWithNonPositiveMaxBytesOrNegativeWaitFailsWithInvalidRequest() {
        for (int[] limits : new int[][] {{0, 0}, {-1, 0}, {1, -1}, {Integer.MIN_VALUE, Integer.MIN_VALUE}}) {
            ByteBuf body = Unpooled.buffer();
            new FetchRequest("s", 1, StartPosition.end(), limits[0], limits[1]).write(body);
            assertProtocolError(() -> FetchRequest.read(body), ErrorCode.INVALID_REQUEST);
        }
    }

    @Test
    void unknownStartPositionKindFailsWithInvalidRequest() {
        for (int kind : new int[] {4, 0x7F, 0xFF}) {
            ByteBuf body = Unpooled.buffer().writeByte(kind).writeLong(0);
            assertProtocolError(() -> StartPosition.read(body), ErrorCode.INVALID_REQUEST);
        }
    }

    @Test
    void rangeCursorWithANegativeBatchSeqOrSkipFailsWithInvalidCursor() {
        ByteBuf negativeSeq = Unpooled.buffer().writeInt(1).writeShort(1);
        NODE.write(negativeSeq);
        negativeSeq.writeLong(-1).writeInt(0);
        assertProtocolError(() -> RangeCursor.read(negativeSeq), ErrorCode.INVALID_CURSOR);

        ByteBuf negativeSkip = Unpooled.buffer().writeInt(1).writeShort(1);
        NODE.write(negativeSkip);
        negativeSkip.writeLong(3).writeInt(-1);
        assertProtocolError(() -> RangeCursor.read(negativeSkip), ErrorCode.INVALID_CURSOR);
    }

    @Test
    void streamOptionsOutOfRangeFailWithInvalidRequest() {
        long[][] invalid = {{0, -1, -1}, {17, -1, -1}, {255, -1, -1}, {3, 0, -1}, {3, -2, -1}, {3, -1, 0}, {3, -1, -5}};
        for (long[] o : invalid) {
            ByteBuf body =
                    Unpooled.buffer().writeByte((int) o[0]).writeLong(o[1]).writeLong(o[2]);
            assertProtocolError(() -> StreamOptions.read(body), ErrorCode.INVALID_REQUEST);
        }
    }

    @Test
    void helloWithAPolicyOfNoCopiesOrTooManyFailsWithInvalidPolicy() {
        for (int[] copies : new int[][] {{0, 0}, {17, 0}, {1, 17}, {255, 255}}) {
            ByteBuf body = Unpooled.buffer();
            FieldCodec.writeString(body, "c");
            body.writeByte(copies[0]).writeByte(copies[1]).writeInt(1 << 20);
            assertProtocolError(() -> HelloRequest.read(body), ErrorCode.INVALID_POLICY);
        }
    }

    @Test
    void publishWithoutOverrideUsesTheSessionPolicyAndAnImpossibleOverrideFailsWithInvalidPolicy() {
        ByteBuf noOverride = Unpooled.buffer();
        PublishRequest.writePrefix(noOverride, "s", 0, null);
        assertThat(PublishRequest.read(noOverride).policyOverride()).isNull();

        ByteBuf tooMany = Unpooled.buffer();
        FieldCodec.writeString(tooMany, "s");
        tooMany.writeInt(0).writeByte(20).writeByte(0);
        assertProtocolError(() -> PublishRequest.read(tooMany), ErrorCode.INVALID_POLICY);
    }

    @Test
    void errorResponseWithAnUnknownCodeReadsAsUnknownError() {
        ByteBuf body = Unpooled.buffer().writeShort(1234);
        FieldCodec.writeString(body, "from a newer peer");
        assertThat(ErrorResponse.read(body)).isEqualTo(new ErrorResponse(ErrorCode.UNKNOWN_ERROR, "from a newer peer"));
    }

    @Test
    void errorResponseKeepsTheFirst4000CharactersOfALongMessage() {
        String message = "x".repeat(5000);
        ByteBuf body = Unpooled.buffer();
        new ErrorResponse(ErrorCode.TIMEOUT, message).write(body);
        assertThat(ErrorResponse.read(body).message()).isEqualTo(message.substring(0, 4000));
    }

    private static Arguments body(String name, Consumer<ByteBuf> writer, Function<ByteBuf, ?> reader) {
        Function<ByteBuf, Object> r = reader::apply;
        return Arguments.of(Named.of(name, writer), Named.of("read", r));
    }

    private static ByteBuf encode(Consumer<ByteBuf> writer) {
        ByteBuf out = Unpooled.buffer();
        writer.accept(out);
        return out;
    }

    private static FetchRequest fetch(StartPosition start) {
        return new FetchRequest("orders", 7, start, 1 << 20, 500);
    }

    private static MetadataResponse metadata() {
        return new MetadataResponse(
                NODE,
                List.of(
                        new MetadataResponse.Node(NODE, "10.0.0.1", 7070),
                        new MetadataResponse.Node(new NodeId(1, 2), "h2", 7071)),
                List.of(new MetadataResponse.Stream(
                        "orders",
                        OPTIONS,
                        List.of(
                                new MetadataResponse.Range(0, 0, 0x7FFF_FFFFL, List.of(0, 1), 100, 2, 20),
                                new MetadataResponse.Range(1, 0x8000_0000L, 0xFFFF_FFFFL, List.of(1), 0, 0, 0)))));
    }
}
