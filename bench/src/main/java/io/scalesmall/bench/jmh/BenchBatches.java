package io.scalesmall.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.RecordCodec;
import java.util.List;
import java.util.Random;

/** Batches of realistic small messages for the micro-benchmarks. */
final class BenchBatches {
    private BenchBatches() {}

    /** Payloads of {@code size} bytes: random (incompressible) or JSON-like text. */
    static byte[][] payloads(int count, int size, boolean text, long seed) {
        Random random = new Random(seed);
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            byte[] p = new byte[size];
            if (text) {
                String s = "{\"id\":" + random.nextInt(1_000_000) + ",\"user\":\"user-" + random.nextInt(10_000)
                        + "\",\"event\":\"page_view\",\"path\":\"/products/" + random.nextInt(5_000) + "\",\"pad\":\"";
                for (int j = 0; j < size; j++) {
                    p[j] = j < s.length() ? (byte) s.charAt(j) : (byte) ('a' + random.nextInt(26));
                }
            } else {
                random.nextBytes(p);
            }
            out[i] = p;
        }
        return out;
    }

    /** An unstamped, uncompressed batch holding {@code payloads}, as a producer sends it. */
    static ByteBuf batch(byte[][] payloads) {
        ByteBuf records = PooledByteBufAllocator.DEFAULT.directBuffer();
        for (byte[] p : payloads) {
            int body = RecordCodec.bodySize(0, null, p, List.of());
            RecordCodec.write(records, body, 0, null, p, List.of());
        }
        ByteBuf batch = PooledByteBufAllocator.DEFAULT.directBuffer(BatchFormat.HEADER_BYTES + records.readableBytes());
        BatchFormat.writeUnstampedHeader(batch, payloads.length, 1, 0, 0, records.readableBytes());
        batch.writeBytes(records);
        records.release();
        return batch;
    }
}
