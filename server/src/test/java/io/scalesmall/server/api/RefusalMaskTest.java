package io.scalesmall.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.replication.Refusals;
import org.junit.jupiter.api.Test;

/** Readers get the batches a sealed range refused flagged as duplicates, so clients skip them. */
class RefusalMaskTest {
    private static ByteBuf batches(long[]... producerAndSeq) {
        ByteBuf out = Unpooled.buffer();
        long batchSeq = 1;
        for (long[] b : producerAndSeq) {
            int at = out.writerIndex();
            BatchFormat.writeUnstampedHeader(out, 1, b[0], b[1], 0, 3);
            out.writeBytes(new byte[] {2, 0, 0}); // any three bytes: the mask reads headers only
            BatchFormat.stamp(out, at, new NodeId(1, 1), batchSeq++, 0);
            BatchFormat.writeCrc(out, at);
        }
        return out;
    }

    @Test
    void onlyTheRefusedProducersBatchesFromTheRefusedSequenceAreFlagged() {
        ByteBuf in = batches(new long[] {7, 0}, new long[] {7, 3}, new long[] {8, 5}, new long[] {7, 9});

        ByteBuf out = RangeReader.maskRefused(in, Refusals.NONE.with(7, 3, 5).with(7, 9, 12));

        assertThat(in.refCnt()).as("the input is released when copied").isZero();
        boolean[] flagged = new boolean[4];
        int at = out.readerIndex();
        for (int i = 0; i < 4; i++) {
            flagged[i] = BatchFormat.isDuplicate(out, at);
            assertThat(BatchFormat.isCrcValid(out, at)).isTrue();
            at += BatchFormat.totalBytes(out, at);
        }
        assertThat(flagged).containsExactly(false, true, false, true);
        out.release();
    }

    @Test
    void withoutRefusalsOrRefusedBatchesTheRunIsSentAsItIs() {
        ByteBuf in = batches(new long[] {7, 0}, new long[] {8, 1});
        assertThat(RangeReader.maskRefused(in, Refusals.NONE)).isSameAs(in);
        assertThat(RangeReader.maskRefused(in, Refusals.NONE.with(7, 1, 5))).isSameAs(in);
        assertThat(RangeReader.maskRefused(in, Refusals.NONE.with(9, 0, 5))).isSameAs(in);
        in.release();
    }
}
