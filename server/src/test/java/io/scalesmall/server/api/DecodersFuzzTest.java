package io.scalesmall.server.api;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.CreateStreamRequest;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.HelloResponse;
import io.scalesmall.protocol.LagRequest;
import io.scalesmall.protocol.LagResponse;
import io.scalesmall.protocol.MembersRequest;
import io.scalesmall.protocol.MembersResponse;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.PeerHello;
import io.scalesmall.protocol.ProgressReport;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.PullRequest;
import io.scalesmall.protocol.RecordReader;
import io.scalesmall.protocol.ReplicateHeader;
import io.scalesmall.protocol.UnsubscribeRequest;
import io.scalesmall.server.cluster.net.ClusterCodec;
import io.scalesmall.server.cluster.net.ClusterKeys;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * One coverage-guided fuzz target for every decoder that reads bytes from the network: client
 * request frames and the framing in front of them, the node-to-node frames (peer hello,
 * replication, progress, pulls), the answers a client reads from a node, cursor tokens, and
 * cluster messages (signed with the key, so that the fuzzer gets past the MAC to the body). The
 * first byte picks the decoder, the rest is its input; one target lets one bounded fuzzing run
 * (Jazzer fuzzes one target per run) cover them all.
 *
 * <p>The invariant: a decoder returns a value or throws {@link ProtocolException}, the clear error
 * the node answers with; anything else is a finding. Allocation beyond the frame limit shows as an
 * out-of-memory finding under the fuzzing run's small heap, and a loop as a timeout.
 *
 * <p>Without {@code JAZZER_FUZZ} this runs as a regression test on the inputs under {@code
 * src/test/resources/io/scalesmall/server/api/DecodersFuzzTestInputs/}, which keep every crasher
 * found (see docs/SECURITY.md for how to fuzz).
 */
class DecodersFuzzTest {
    private static final int MAX_FRAME_BYTES = 1 << 20;
    private static final ClusterCodec CLUSTER = new ClusterCodec(ClusterKeys.devDefault());
    private static final ClusterKeys KEYS = ClusterKeys.devDefault();

    private static final java.util.List<Consumer<ByteBuf>> DECODERS = java.util.List.of(
            HelloRequest::read,
            DecodersFuzzTest::publish,
            FetchRequest::read,
            UnsubscribeRequest::read,
            MetadataRequest::read,
            CreateStreamRequest::read,
            MembersRequest::read,
            LagRequest::read,
            PeerHello::read,
            DecodersFuzzTest::replicate,
            ProgressReport::read,
            PullRequest::read,
            HelloResponse::read,
            PublishResponse::read,
            DataResponse::readPrefix,
            MetadataResponse::read,
            MembersResponse::read,
            ErrorResponse::read,
            LagResponse::read,
            in -> Cursor.fromToken(in.toString(StandardCharsets.UTF_8)),
            DecodersFuzzTest::clusterMessage,
            DecodersFuzzTest::frames,
            DecodersFuzzTest::storedBatch);

    @FuzzTest(maxDuration = "60s")
    void everyDecoderAnswersAValueOrAProtocolError(byte[] data) {
        if (data.length == 0) {
            return;
        }
        ByteBuf in = Unpooled.wrappedBuffer(data, 1, data.length - 1);
        try {
            DECODERS.get(Byte.toUnsignedInt(data[0]) % DECODERS.size()).accept(in);
        } catch (ProtocolException expected) {
            // the clear error a node answers with
        }
    }

    /**
     * The seeds (valid encodings written by {@link DecoderSeeds}) decode without an error, so the
     * fuzzer starts past the first checks, and a change of an encoding that leaves them stale
     * shows here.
     */
    @org.junit.jupiter.api.Test
    void theSeedsAreValidEncodings() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(DecodersFuzzTest.class
                .getResource("DecodersFuzzTestInputs/everyDecoderAnswersAValueOrAProtocolError")
                .toURI());
        java.util.List<String> seeds = new java.util.ArrayList<>();
        try (var files = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path file : files.filter(
                            f -> f.getFileName().toString().startsWith("seed-"))
                    .sorted()
                    .toList()) {
                byte[] data = java.nio.file.Files.readAllBytes(file);
                ByteBuf in = Unpooled.wrappedBuffer(data, 1, data.length - 1);
                org.assertj.core.api.Assertions.assertThatCode(
                                () -> DECODERS.get(Byte.toUnsignedInt(data[0]) % DECODERS.size())
                                        .accept(in))
                        .as("seed %s", file.getFileName())
                        .doesNotThrowAnyException();
                seeds.add(file.getFileName().toString());
            }
        }
        org.assertj.core.api.Assertions.assertThat(seeds).hasSizeGreaterThan(DECODERS.size());
    }

    /** A PUBLISH body, then the checks of its batch and the compression a node applies to it. */
    private static void publish(ByteBuf in) {
        PublishRequest request = PublishRequest.read(in);
        int at = request.batchOffset();
        PublishedBatch.check(in, at, in.writerIndex() - at, new RecordReader(), MAX_FRAME_BYTES);
        BatchCompression.compress(in, at, UnpooledByteBufAllocator.DEFAULT).release();
    }

    /** A REPLICATE body: its header, then the batches, checked as a replica checks them. */
    private static void replicate(ByteBuf in) {
        ReplicateHeader.read(in);
        int at = in.readerIndex();
        int end = in.writerIndex();
        while (at < end) {
            if (BatchFormat.checkHeader(in, at, end - at) != null || !BatchFormat.isCrcValid(in, at)) {
                return;
            }
            BatchFormat.producerId(in, at);
            BatchFormat.coordinator(in, at);
            at += BatchFormat.totalBytes(in, at);
        }
    }

    /** A stored batch as a reader gets it: checked, then its records decompressed and read. */
    private static void storedBatch(ByteBuf in) {
        if (BatchFormat.checkHeader(in, 0, in.readableBytes()) != null) {
            return;
        }
        ByteBuf records = Unpooled.buffer();
        try {
            BatchCompression.decompressRecords(in, 0, records);
            RecordReader reader = new RecordReader().reset(records, 0, records.readableBytes(), 0, MAX_FRAME_BYTES);
            while (reader.next()) {
                reader.keyBytes();
                reader.valueBytes();
                reader.headers();
            }
        } finally {
            records.release();
        }
    }

    /** A cluster message body, signed with the cluster key as a member would. */
    private static void clusterMessage(ByteBuf in) {
        ByteBuf signed = Unpooled.buffer(in.readableBytes() + 64);
        signed.writeBytes(in);
        if (signed.isReadable()) {
            KEYS.seal(signed, 0);
        }
        try {
            CLUSTER.decode(signed);
        } finally {
            signed.release();
        }
    }

    /** Bytes of a client connection, in two reads, through the frame decoder. */
    private static void frames(ByteBuf in) {
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder(MAX_FRAME_BYTES));
        try {
            int half = in.readableBytes() / 2;
            channel.writeInbound(in.retainedSlice(0, half));
            channel.writeInbound(in.retainedSlice(half, in.readableBytes() - half));
            Object out;
            while ((out = channel.readInbound()) != null) {
                io.netty.util.ReferenceCountUtil.release(out);
            }
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
