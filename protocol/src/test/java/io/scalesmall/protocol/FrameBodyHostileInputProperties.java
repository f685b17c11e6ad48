package io.scalesmall.protocol;

import static io.scalesmall.protocol.ProtocolAssertions.assertProtocolError;
import static io.scalesmall.protocol.ProtocolAssertions.assertReturnsOrProtocolError;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Frame body readers on arbitrary bytes return a value or throw a {@link ProtocolException}, nothing else. */
class FrameBodyHostileInputProperties {

    /** Every body reader, and the codes it may answer hostile bytes with. */
    enum BodyReader {
        HELLO(HelloRequest::read, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_POLICY),
        HELLO_OK(HelloResponse::read, ErrorCode.MALFORMED_FRAME),
        PUBLISH(PublishRequest::read, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_POLICY),
        PUBLISH_OK(PublishResponse::read, ErrorCode.MALFORMED_FRAME),
        FETCH(FetchRequest::read, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_CURSOR),
        DATA(DataResponse::readPrefix, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_CURSOR),
        ERROR(ErrorResponse::read, ErrorCode.MALFORMED_FRAME),
        CREATE_STREAM(CreateStreamRequest::read, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_REQUEST),
        METADATA(MetadataRequest::read, ErrorCode.MALFORMED_FRAME),
        METADATA_OK(MetadataResponse::read, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_REQUEST),
        UNSUBSCRIBE(UnsubscribeRequest::read, ErrorCode.MALFORMED_FRAME),
        START_POSITION(
                StartPosition::read, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_CURSOR),
        RANGE_CURSOR(RangeCursor::read, ErrorCode.MALFORMED_FRAME, ErrorCode.INVALID_CURSOR);

        final Function<ByteBuf, ?> reader;
        final ErrorCode[] codes;

        BodyReader(Function<ByteBuf, ?> reader, ErrorCode... codes) {
            this.reader = reader;
            this.codes = codes;
        }
    }

    @Property(tries = 3000)
    void randomBytesReadOrFailWithAProtocolError(@ForAll BodyReader body, @ForAll("garbage") byte[] garbage) {
        ByteBuf buf = Unpooled.wrappedBuffer(garbage);
        assertReturnsOrProtocolError(() -> body.reader.apply(buf), body.codes);
    }

    @Property(tries = 1000)
    void validMetadataResponseCutShortFailsWithMalformedFrame(
            @ForAll("metadataResponses") MetadataResponse response,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cutSeed) {
        ByteBuf whole = Unpooled.buffer();
        response.write(whole);
        byte[] bytes = ByteBufUtil.getBytes(whole);
        int cut = cutSeed % bytes.length;
        assertProtocolError(
                () -> MetadataResponse.read(Unpooled.wrappedBuffer(bytes, 0, cut)), ErrorCode.MALFORMED_FRAME);
    }

    @Property(tries = 1000)
    void validFetchRequestCutShortFailsWithMalformedFrame(
            @ForAll("fetchRequests") FetchRequest request,
            @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int cutSeed) {
        ByteBuf whole = Unpooled.buffer();
        request.write(whole);
        byte[] bytes = ByteBufUtil.getBytes(whole);
        int cut = cutSeed % bytes.length;
        assertProtocolError(() -> FetchRequest.read(Unpooled.wrappedBuffer(bytes, 0, cut)), ErrorCode.MALFORMED_FRAME);
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.oneOf(
                WireArbitraries.bytes(40),
                // small values make plausible counts, lengths and kinds
                Arbitraries.bytes()
                        .between((byte) 0, (byte) 4)
                        .array(byte[].class)
                        .ofMaxSize(120),
                WireArbitraries.bytes(300));
    }

    @Provide
    Arbitrary<MetadataResponse> metadataResponses() {
        return new FrameBodyCodecProperties().metadataResponses();
    }

    @Provide
    Arbitrary<FetchRequest> fetchRequests() {
        return new FrameBodyCodecProperties().fetchRequests();
    }
}
