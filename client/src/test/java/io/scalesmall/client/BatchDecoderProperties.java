package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.Cursor;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.RecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Reading from any position delivers exactly the messages after it, whatever batches the server
 * re-sends and however it cuts them into frames: the law that makes resubscription lossless and
 * free of repeats.
 */
class BatchDecoderProperties {
    private static final NodeId NODE = new NodeId(7, 9);

    /** A stored range, a reader's position in it, and how the server answers. */
    record Case(List<Integer> batchSizes, int delivered, int resendBack, List<Integer> frameSizes) {}

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<List<Integer>> sizes =
                Arbitraries.integers().between(1, 5).list().ofMinSize(1).ofMaxSize(8);
        return sizes.flatMap(batchSizes -> {
            int total = batchSizes.stream().mapToInt(Integer::intValue).sum();
            return Combinators.combine(
                            Arbitraries.integers().between(0, total),
                            Arbitraries.integers().between(0, 3),
                            Arbitraries.integers()
                                    .between(1, 4)
                                    .list()
                                    .ofMinSize(8)
                                    .ofMaxSize(8))
                    .as((delivered, back, frames) -> new Case(batchSizes, delivered, back, frames));
        });
    }

    @Property(tries = 300)
    void deliversExactlyTheMessagesAfterThePosition(@ForAll("cases") Case c) {
        List<ByteBuf> batches = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (int b = 0; b < c.batchSizes().size(); b++) {
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < c.batchSizes().get(b); i++) {
                labels.add("b" + b + "m" + i);
            }
            all.addAll(labels);
            batches.add(storedBatch(b + 1, labels));
        }

        // the reader's position after c.delivered() messages, as a subscription would keep it
        RangePosition position = new RangePosition(0);
        int seen = 0;
        for (int b = 0; b < batches.size() && seen < c.delivered(); b++) {
            int entry = position.indexOf(NODE.high(), NODE.low());
            if (entry < 0) {
                entry = position.add(NODE, 0, 0);
            }
            for (int i = 0; i < c.batchSizes().get(b) && seen < c.delivered(); i++, seen++) {
                position.afterMessage(entry, b + 1, i, c.batchSizes().get(b));
            }
        }
        // the position survives a trip through a cursor token
        Cursor token = Cursor.fromToken(new Cursor(List.of(position.toRangeCursor())).toToken());
        RangePosition resumed = RangePosition.of(token.range(0));

        // the server starts up to resendBack batches early, with a position that is behind
        RangeCursor.Entry e = token.range(0).entry(NODE);
        int first = Math.max(0, (e == null ? 0 : (int) e.batchSeq()) - c.resendBack());
        RangeCursor serverPosition =
                first == 0 ? RangeCursor.beginning(0) : RangeCursor.beginning(0).with(NODE, first, 0);

        List<String> got = new ArrayList<>();
        BatchDecoder decoder = new BatchDecoder(range -> new Cursor(List.of(range)));
        int next = first;
        int frame = 0;
        while (next < batches.size()) {
            int n = Math.min(c.frameSizes().get(frame++ % c.frameSizes().size()), batches.size() - next);
            ByteBuf body = dataFrame(serverPosition, batches.subList(next, next + n));
            DataResponse prefix = DataResponse.readPrefix(body);
            resumed.merge(prefix.position());
            decoder.decode("s", body, prefix.batchesLength(), resumed, m -> got.add(text(m.payload())));
            body.release();
            next += n;
            serverPosition = RangeCursor.beginning(0).with(NODE, next, 0);
        }

        assertThat(got).isEqualTo(all.subList(c.delivered(), all.size()));
        assertThat(resumed.toRangeCursor().entry(NODE).batchSeq()).isEqualTo(batches.size());
        assertThat(resumed.toRangeCursor().entry(NODE).skip()).isZero();
        batches.forEach(ByteBuf::release);
    }

    private static ByteBuf storedBatch(long batchSeq, List<String> payloads) {
        ByteBuf records = Unpooled.buffer();
        for (String p : payloads) {
            byte[] value = p.getBytes(StandardCharsets.UTF_8);
            int body = RecordCodec.bodySize(0, null, value, null);
            RecordCodec.write(records, body, 0, null, value, null);
        }
        ByteBuf batch = Unpooled.buffer();
        BatchFormat.writeUnstampedHeader(batch, payloads.size(), 1, 0, 1_000, records.readableBytes());
        batch.writeBytes(records);
        records.release();
        BatchFormat.stamp(batch, 0, NODE, batchSeq, 1_000L << 16);
        ByteBuf stored = BatchCompression.compress(batch, 0, ByteBufAllocator.DEFAULT);
        batch.release();
        BatchFormat.writeCrc(stored, 0);
        return stored;
    }

    private static ByteBuf dataFrame(RangeCursor position, List<ByteBuf> batches) {
        int length = batches.stream().mapToInt(ByteBuf::readableBytes).sum();
        ByteBuf body = Unpooled.buffer();
        new DataResponse(0, false, position, length).writePrefix(body);
        for (ByteBuf b : batches) {
            body.writeBytes(b, b.readerIndex(), b.readableBytes());
        }
        return body;
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
