package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.CreateStreamRequest;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.Header;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.HelloResponse;
import io.scalesmall.protocol.LagRequest;
import io.scalesmall.protocol.LagResponse;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.PeerHello;
import io.scalesmall.protocol.ProgressReport;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.PullRequest;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.RangeDescriptor;
import io.scalesmall.protocol.RecordCodec;
import io.scalesmall.protocol.ReplicateHeader;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.protocol.UnsubscribeRequest;
import io.scalesmall.server.cluster.Accusation;
import io.scalesmall.server.cluster.ClaimSet;
import io.scalesmall.server.cluster.ClusterMessage;
import io.scalesmall.server.cluster.Endpoint;
import io.scalesmall.server.cluster.MemberEntry;
import io.scalesmall.server.cluster.MemberStatus;
import io.scalesmall.server.cluster.NodeMetadata;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import io.scalesmall.server.cluster.net.ClusterCodec;
import io.scalesmall.server.cluster.net.ClusterKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes the seed inputs of {@link DecodersFuzzTest}: one valid encoding per decoder, behind the
 * byte that selects it, so that fuzzing starts from inputs that get past the first checks. Run it
 * from the server module after changing an encoding: {@code java -cp ... DecoderSeeds
 * src/test/resources/io/scalesmall/server/api/DecodersFuzzTestInputs/everyDecoderAnswersAValueOrAProtocolError}.
 */
final class DecoderSeeds {
    private static final NodeId A = new NodeId(0x1111, 0x2222);
    private static final NodeId B = new NodeId(0x3333, 0x4444);

    private DecoderSeeds() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        RangeCursor cursor = new RangeCursor(7, List.of(new RangeCursor.Entry(A, 41, 2)));
        seed(
                dir,
                0,
                "hello",
                out -> new HelloRequest("client-1", DurabilityPolicy.parse("memory=2,disk=1"), 1 << 20).write(out));
        seed(dir, 1, "publish", out -> {
            io.scalesmall.protocol.PublishRequest.writePrefix(out, "orders", 7, DurabilityPolicy.parse("disk=2"));
            batch(out, false);
        });
        seed(
                dir,
                2,
                "fetch",
                out -> new FetchRequest("orders", 7, StartPosition.cursor(cursor), 65536, 100).write(out));
        seed(dir, 3, "unsubscribe", out -> new UnsubscribeRequest(3).write(out));
        seed(dir, 4, "metadata", out -> new MetadataRequest(List.of("orders", "events")).write(out));
        seed(
                dir,
                5,
                "create-stream",
                out -> new CreateStreamRequest("orders", new StreamOptions(3, 60_000, -1)).write(out));
        seed(dir, 6, "members", out -> {});
        seed(dir, 7, "lag", out -> new LagRequest("orders", 7, StartPosition.timestamp(1_700_000_000_000L)).write(out));
        seed(
                dir,
                8,
                "peer-hello",
                out -> new PeerHello(A, B, 1_700_000_000_000L, new byte[16], new byte[32]).write(out));
        RangeDescriptor range = new RangeDescriptor("orders", 7, 0, 1L << 31, 5L << 16, List.of(A, B));
        seed(dir, 9, "replicate", out -> {
            new ReplicateHeader(range, A).write(out);
            int at = out.writerIndex();
            batch(out, true);
            BatchFormat.stamp(out, at, A, 1, 9L << 16);
            BatchFormat.writeCrc(out, at);
        });
        seed(
                dir,
                10,
                "progress",
                out -> new ProgressReport("orders", 7, A, true, List.of(new ProgressReport.Entry(B, 10, 9, 1)))
                        .write(out));
        seed(dir, 11, "pull", out -> new PullRequest("orders", 7, A, B, 5, 1 << 20).write(out));
        seed(dir, 12, "hello-ok", out -> new HelloResponse(A, 1 << 20, 1 << 16, 3, 3).write(out));
        seed(dir, 13, "publish-ok", out -> new PublishResponse(7, A, 12, 9L << 16, false, 2, 1).write(out));
        seed(dir, 14, "data", out -> new DataResponse(7, false, cursor, 0, true).writePrefix(out));
        MetadataResponse metadata = new MetadataResponse(
                A,
                List.of(new MetadataResponse.Node(A, "10.0.0.1", 7070), new MetadataResponse.Node(B, "10.0.0.2", 7070)),
                List.of(new MetadataResponse.Stream(
                        "orders",
                        new StreamOptions(3, -1, -1),
                        List.of(new MetadataResponse.Range(7, 0, 0xFFFFFFFFL, List.of(0, 1), 100, 2, 20, 5, true)))));
        seed(dir, 15, "metadata-ok", metadata::write);
        seed(
                dir,
                16,
                "members-ok",
                out -> new MembersResponse(
                                A,
                                List.of(new MembersResponse.Member(
                                        A,
                                        1,
                                        "ALIVE",
                                        5,
                                        "10.0.0.1",
                                        7072,
                                        "10.0.0.1",
                                        7070,
                                        1 << 30,
                                        1 << 27,
                                        4,
                                        "z1")))
                        .write(out));
        seed(dir, 17, "error", out -> new ErrorResponse(ErrorCode.RANGE_SEALED, "sealed", metadata).write(out));
        seed(dir, 18, "lag-ok", out -> new LagResponse(7, 10, 2, 5L << 16, 9L << 16, true).write(out));
        seed(
                dir,
                19,
                "cursor",
                out -> out.writeCharSequence(new Cursor(List.of(cursor)).toToken(), StandardCharsets.UTF_8));
        ClusterCodec codec = new ClusterCodec(ClusterKeys.devDefault());
        NodeMetadata meta = new NodeMetadata(
                new Endpoint("10.0.0.1", 7072),
                new Endpoint("10.0.0.1", 7070),
                1 << 30,
                1 << 27,
                4,
                "z1",
                false,
                new Endpoint("10.0.0.1", 7071));
        ClaimSet claims = new ClaimSet(
                A,
                3,
                List.of(new StreamClaim("orders", 3, -1, -1, 3, 5)),
                List.of(new RangeClaim("orders", 7, 0, 1L << 31, 5L << 16, List.of(A, B), false)));
        seed(
                dir,
                20,
                "cluster-broadcast",
                out -> unsigned(
                        codec,
                        new ClusterMessage.Broadcast(
                                A,
                                1,
                                0,
                                -1,
                                2,
                                List.of(new MemberEntry(A, 1, MemberStatus.ALIVE, 5, meta)),
                                List.of(claims),
                                List.of(new Accusation(A, B, 2))),
                        out));
        seed(dir, 20, "cluster-ping", out -> unsigned(codec, new ClusterMessage.Ping(A, 1, B), out));
        seed(dir, 21, "frames", out -> {
            int start = FrameHeader.begin(out, FrameType.HELLO, 1);
            new HelloRequest("c", DurabilityPolicy.parse("disk=1"), 1 << 20).write(out);
            FrameHeader.finish(out, start);
            start = FrameHeader.begin(out, FrameType.METADATA, 2);
            new MetadataRequest(List.of()).write(out);
            FrameHeader.finish(out, start);
        });
        seed(dir, 22, "stored-batch", out -> {
            ByteBuf plain = Unpooled.buffer();
            batch(plain, false);
            ByteBuf compressed = BatchCompression.compress(plain, 0, UnpooledByteBufAllocator.DEFAULT);
            out.writeBytes(compressed);
            compressed.release();
            plain.release();
        });
    }

    /** A batch of three records with keys, text values and a header. */
    private static void batch(ByteBuf out, boolean stamped) {
        ByteBuf records = Unpooled.buffer();
        for (int i = 0; i < 3; i++) {
            byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            byte[] value =
                    ("{\"order\":" + i + ",\"total\":42.5,\"currency\":\"EUR\"}").getBytes(StandardCharsets.UTF_8);
            List<Header> headers = List.of(new Header("trace", new byte[] {1, 2, 3}));
            int body = RecordCodec.bodySize(i, key, value, headers);
            RecordCodec.write(records, body, i, key, value, headers);
        }
        BatchFormat.writeUnstampedHeader(out, 3, 99, stamped ? 3 : 0, 1_700_000_000_000L, records.readableBytes());
        out.writeBytes(records);
        records.release();
    }

    /** A cluster message before it is sealed: the fuzz target seals what it is given. */
    private static void unsigned(ClusterCodec codec, ClusterMessage message, ByteBuf out) {
        ByteBuf sealed = Unpooled.buffer();
        codec.encode(message, sealed);
        ByteBuf plain = ClusterKeys.devDefault().open(sealed, 0, sealed.readableBytes());
        out.writeBytes(plain);
        plain.release();
        sealed.release();
    }

    private static void seed(Path dir, int decoder, String name, Consumer<ByteBuf> body) throws IOException {
        ByteBuf out = Unpooled.buffer();
        out.writeByte(decoder);
        body.accept(out);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        Files.write(dir.resolve("seed-" + name), bytes);
    }
}
