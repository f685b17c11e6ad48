package io.scalesmall.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.scalesmall.protocol.BatchCompression;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The LZ4 step: compressing a batch of 2,000 messages of 100 bytes once at the coordinator, and
 * decompressing it at the reader. Scores are messages per second; payloads are random
 * (incompressible) or JSON-like text.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompressionBenchmark {
    @Param({"random", "text"})
    public String payload;

    private ByteBuf batch;
    private ByteBuf compressed;
    private ByteBuf target;

    @Setup
    public void setUp() {
        batch = BenchBatches.batch(BenchBatches.payloads(CodecBenchmark.MESSAGES, 100, payload.equals("text"), 2));
        compressed = BatchCompression.compress(batch, 0, PooledByteBufAllocator.DEFAULT);
        target = PooledByteBufAllocator.DEFAULT.directBuffer(batch.readableBytes());
    }

    @TearDown
    public void tearDown() {
        batch.release();
        compressed.release();
        target.release();
    }

    @Benchmark
    @OperationsPerInvocation(CodecBenchmark.MESSAGES)
    public int compress() {
        ByteBuf out = BatchCompression.compress(batch, 0, PooledByteBufAllocator.DEFAULT);
        int size = out.readableBytes();
        out.release();
        return size;
    }

    @Benchmark
    @OperationsPerInvocation(CodecBenchmark.MESSAGES)
    public int decompress() {
        BatchCompression.decompressRecords(compressed, 0, target);
        return target.writerIndex();
    }
}
