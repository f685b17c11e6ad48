package io.scalesmall.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Every frame body, written and read back, equals the original and is consumed exactly. */
class FrameBodyCodecProperties {

    @Property
    void frameHeaderCarriesVersionTypeRequestIdAndBodyLength(
            @ForAll FrameType type, @ForAll int requestId, @ForAll @IntRange(max = 300) int bodyBytes) {
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(new byte[] {7, 7, 7}); // frames need not start at index 0
        out.readerIndex(3);
        int start = FrameHeader.begin(out, type, requestId);
        out.writeZero(bodyBytes);
        FrameHeader.finish(out, start);

        assertThat(out.getInt(start)).isEqualTo(FrameHeader.BYTES - FrameHeader.LENGTH_FIELD_BYTES + bodyBytes);
        assertThat(FrameHeader.version(out)).isEqualTo(Protocol.VERSION);
        assertThat(FrameType.fromCode(FrameHeader.typeCode(out))).isEqualTo(type);
        assertThat(FrameHeader.requestId(out)).isEqualTo(requestId);
        assertThat(out.getShort(start + FrameHeader.FLAGS_OFFSET)).isZero();
        FrameHeader.skip(out);
        assertThat(out.readableBytes()).isEqualTo(bodyBytes);
    }

    @Property
    void helloRequestRoundTrips(@ForAll("helloRequests") HelloRequest hello) {
        ByteBuf buf = Unpooled.buffer();
        hello.write(buf);
        assertThat(HelloRequest.read(buf)).isEqualTo(hello);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void helloResponseRoundTrips(@ForAll("helloResponses") HelloResponse hello) {
        ByteBuf buf = Unpooled.buffer();
        hello.write(buf);
        assertThat(HelloResponse.read(buf)).isEqualTo(hello);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void publishRequestPrefixRoundTripsAndLeavesTheReaderAtTheBatch(
            @ForAll("streamNames") String stream,
            @ForAll int rangeId,
            @ForAll("policiesOrNull") DurabilityPolicy override,
            @ForAll @IntRange(max = 200) int batchBytes) {
        ByteBuf buf = Unpooled.buffer();
        PublishRequest.writePrefix(buf, stream, rangeId, override);
        int batchAt = buf.writerIndex();
        buf.writeZero(batchBytes);

        PublishRequest read = PublishRequest.read(buf);

        assertThat(read).isEqualTo(new PublishRequest(stream, rangeId, override, batchAt));
        assertThat(buf.readerIndex()).isEqualTo(batchAt);
        assertThat(buf.readableBytes()).isEqualTo(batchBytes);
    }

    @Property
    void publishResponseRoundTrips(@ForAll("publishResponses") PublishResponse response) {
        ByteBuf buf = Unpooled.buffer();
        response.write(buf);
        assertThat(PublishResponse.read(buf)).isEqualTo(response);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void fetchRequestRoundTrips(@ForAll("fetchRequests") FetchRequest request) {
        ByteBuf buf = Unpooled.buffer();
        request.write(buf);
        assertThat(FetchRequest.read(buf)).isEqualTo(request);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void dataResponsePrefixRoundTripsAndLeavesTheReaderAtTheBatches(
            @ForAll int rangeId,
            @ForAll boolean truncated,
            @ForAll("rangeCursors") RangeCursor position,
            @ForAll("batchBytes") byte[] batches) {
        DataResponse response = new DataResponse(rangeId, truncated, position, batches.length);
        ByteBuf buf = Unpooled.buffer();
        response.writePrefix(buf);
        int batchesAt = buf.writerIndex();
        buf.writeBytes(batches);

        assertThat(DataResponse.readPrefix(buf)).isEqualTo(response);
        assertThat(buf.readerIndex()).isEqualTo(batchesAt);
        assertThat(buf.readableBytes()).isEqualTo(batches.length);
    }

    @Property
    void errorResponseRoundTripsMessagesUpTo4000Chars(@ForAll ErrorCode code, @ForAll("errorMessages") String message) {
        ErrorResponse error = new ErrorResponse(code, message);
        ByteBuf buf = Unpooled.buffer();
        error.write(buf);
        assertThat(ErrorResponse.read(buf)).isEqualTo(error);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void aWrongNodeErrorRoundTripsWithThePlacementItCarries(
            @ForAll ErrorCode code, @ForAll("metadataResponses") MetadataResponse placement) {
        ErrorResponse error = new ErrorResponse(code, "range 3 of s was replaced", placement);
        ByteBuf buf = Unpooled.buffer();
        error.write(buf);
        assertThat(ErrorResponse.read(buf)).isEqualTo(error);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void streamOptionsRoundTrip(@ForAll("streamOptions") StreamOptions options) {
        ByteBuf buf = Unpooled.buffer();
        options.write(buf);
        assertThat(StreamOptions.read(buf)).isEqualTo(options);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void createStreamRequestRoundTrips(
            @ForAll("streamNames") String stream, @ForAll("streamOptions") StreamOptions options) {
        CreateStreamRequest request = new CreateStreamRequest(stream, options);
        ByteBuf buf = Unpooled.buffer();
        request.write(buf);
        assertThat(CreateStreamRequest.read(buf)).isEqualTo(request);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void metadataRequestRoundTrips(@ForAll("metadataRequests") MetadataRequest request) {
        ByteBuf buf = Unpooled.buffer();
        request.write(buf);
        assertThat(MetadataRequest.read(buf)).isEqualTo(request);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property(tries = 300)
    void metadataResponseRoundTrips(@ForAll("metadataResponses") MetadataResponse response) {
        ByteBuf buf = Unpooled.buffer();
        response.write(buf);
        assertThat(MetadataResponse.read(buf)).isEqualTo(response);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void unsubscribeRequestRoundTrips(@ForAll int subscriptionId) {
        UnsubscribeRequest request = new UnsubscribeRequest(subscriptionId);
        ByteBuf buf = Unpooled.buffer();
        request.write(buf);
        assertThat(UnsubscribeRequest.read(buf)).isEqualTo(request);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void startPositionRoundTrips(@ForAll("startPositions") StartPosition start) {
        ByteBuf buf = Unpooled.buffer();
        start.write(buf);
        assertThat(StartPosition.read(buf)).isEqualTo(start);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void rangeCursorRoundTrips(@ForAll("rangeCursors") RangeCursor cursor) {
        ByteBuf buf = Unpooled.buffer();
        cursor.write(buf);
        assertThat(RangeCursor.read(buf)).isEqualTo(cursor);
        assertThat(buf.isReadable()).isFalse();
    }

    @Property
    void cursorTokenRoundTripsAndIsUrlSafeText(@ForAll("cursors") Cursor cursor) {
        String token = cursor.toToken();
        assertThat(token).startsWith("c1").matches("[A-Za-z0-9_-]*");
        assertThat(Cursor.fromToken(token)).isEqualTo(cursor);
    }

    @Property
    void cursorWithReplacesOnlyTheGivenRange(
            @ForAll("cursors") Cursor cursor, @ForAll("rangeCursors") RangeCursor range) {
        Cursor updated = cursor.with(range);
        assertThat(updated.range(range.rangeId())).isEqualTo(range);
        for (RangeCursor r : cursor.ranges()) {
            if (r.rangeId() != range.rangeId()) {
                assertThat(updated.ranges()).contains(r);
            }
        }
    }

    @Provide
    Arbitrary<HelloRequest> helloRequests() {
        return Combinators.combine(
                        WireArbitraries.unicodeStrings(60), WireArbitraries.policies(), Arbitraries.integers())
                .as(HelloRequest::new);
    }

    @Provide
    Arbitrary<HelloResponse> helloResponses() {
        return Combinators.combine(
                        WireArbitraries.nodeIds(),
                        Arbitraries.integers(),
                        Arbitraries.integers(),
                        Arbitraries.integers().between(0, 0xFFFF),
                        Arbitraries.integers().between(0, 0xFF))
                .as(HelloResponse::new);
    }

    @Provide
    Arbitrary<String> streamNames() {
        return WireArbitraries.unicodeStrings(60);
    }

    @Provide
    Arbitrary<DurabilityPolicy> policiesOrNull() {
        return WireArbitraries.policies().injectNull(0.2);
    }

    @Provide
    Arbitrary<PublishResponse> publishResponses() {
        return Combinators.combine(
                        Arbitraries.integers(),
                        WireArbitraries.nodeIds(),
                        Arbitraries.longs(),
                        Arbitraries.longs(),
                        Arbitraries.of(true, false),
                        Arbitraries.integers().between(0, 0xFF),
                        Arbitraries.integers().between(0, 0xFF))
                .as(PublishResponse::new);
    }

    @Provide
    Arbitrary<FetchRequest> fetchRequests() {
        return Combinators.combine(
                        streamNames(),
                        Arbitraries.integers(),
                        WireArbitraries.startPositions(),
                        Arbitraries.integers().between(1, Integer.MAX_VALUE),
                        Arbitraries.integers().between(0, Integer.MAX_VALUE))
                .as(FetchRequest::new);
    }

    @Provide
    Arbitrary<RangeCursor> rangeCursors() {
        return WireArbitraries.rangeCursors();
    }

    @Provide
    Arbitrary<byte[]> batchBytes() {
        return WireArbitraries.bytes(300);
    }

    @Provide
    Arbitrary<String> errorMessages() {
        return Arbitraries.oneOf(
                WireArbitraries.unicodeStrings(100),
                Arbitraries.strings().ascii().ofMinLength(3990).ofMaxLength(4000));
    }

    @Provide
    Arbitrary<StreamOptions> streamOptions() {
        return WireArbitraries.streamOptions();
    }

    @Provide
    Arbitrary<MetadataRequest> metadataRequests() {
        return streamNames().list().ofMaxSize(8).map(MetadataRequest::new);
    }

    @Provide
    Arbitrary<MetadataResponse> metadataResponses() {
        Arbitrary<MetadataResponse.Node> nodes = Combinators.combine(
                        WireArbitraries.nodeIds(),
                        WireArbitraries.unicodeStrings(30),
                        Arbitraries.integers().between(0, 0xFFFF))
                .as(MetadataResponse.Node::new);
        Arbitrary<Long> hashes = Arbitraries.longs().between(0, 0xFFFF_FFFFL);
        return nodes.list().ofMinSize(1).ofMaxSize(5).flatMap(nodeList -> {
            Arbitrary<MetadataResponse.Range> ranges = Combinators.combine(
                            Arbitraries.integers(),
                            hashes,
                            hashes,
                            Arbitraries.integers()
                                    .between(0, nodeList.size() - 1)
                                    .list()
                                    .ofMaxSize(5),
                            Arbitraries.longs().list().ofSize(4),
                            Arbitraries.of(true, false))
                    .as((id, first, last, replicas, numbers, current) -> new MetadataResponse.Range(
                            id,
                            first,
                            last,
                            replicas,
                            numbers.get(0),
                            numbers.get(1),
                            numbers.get(2),
                            numbers.get(3),
                            current));
            Arbitrary<MetadataResponse.Stream> streams = Combinators.combine(
                            streamNames(), streamOptions(), ranges.list().ofMaxSize(4))
                    .as(MetadataResponse.Stream::new);
            return Combinators.combine(WireArbitraries.nodeIds(), streams.list().ofMaxSize(3))
                    .as((responder, streamList) -> new MetadataResponse(responder, nodeList, streamList));
        });
    }

    @Provide
    Arbitrary<StartPosition> startPositions() {
        return WireArbitraries.startPositions();
    }

    @Provide
    Arbitrary<Cursor> cursors() {
        return WireArbitraries.rangeCursors().list().ofMaxSize(5).map(Cursor::new);
    }
}
