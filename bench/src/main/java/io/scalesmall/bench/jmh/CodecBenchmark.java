package io.scalesmall.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.RecordCodec;
import io.scalesmall.protocol.RecordReader;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The record codec: encoding 100-byte messages into a batch (the client's work per publish) and
 * walking a batch's records (the node's validation and the reader's work per message). Scores are
 * messages per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CodecBenchmark {
    static final int MESSAGES = 2_000;

    private byte[][] payloads;
    private ByteBuf out;
    private ByteBuf batch;
    private final RecordReader reader = new RecordReader();

    @Setup
    public void setUp() {
        payloads = BenchBatches.payloads(MESSAGES, 100, false, 1);
        out = PooledByteBufAllocator.DEFAULT.directBuffer(MESSAGES * 110);
        batch = BenchBatches.batch(payloads);
    }

    @TearDown
    public void tearDown() {
        out.release();
        batch.release();
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public int encodeRecords() {
        out.clear();
        for (byte[] p : payloads) {
            int body = RecordCodec.bodySize(0, null, p, List.of());
            RecordCodec.write(out, body, 0, null, p, List.of());
        }
        return out.writerIndex();
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public long walkRecords() {
        reader.reset(batch, BatchFormat.HEADER_BYTES, BatchFormat.recordsLength(batch, 0), 0, 1 << 20);
        long sum = 0;
        while (reader.next()) {
            sum += reader.valueLength();
        }
        return sum;
    }
}
