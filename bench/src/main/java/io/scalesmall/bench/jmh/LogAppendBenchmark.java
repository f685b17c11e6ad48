package io.scalesmall.bench.jmh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.scalesmall.bench.TemporaryNode;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.server.storage.RangeLog;
import io.scalesmall.server.storage.StorageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The log append: stamping, CRC and writing a compressed batch of 2,000 messages of 100 bytes into
 * a range log (page cache), and the same with an fsync every {@code syncEvery} batches (group
 * commit as the sync agent does it). Scores are messages per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LogAppendBenchmark {
    @Param({"0", "4"})
    public int syncEvery;

    private Path dir;
    private RangeLog log;
    private ByteBuf compressed;
    private final NodeId node = new NodeId(1, 2);
    private long time = 1L << 16;

    @Setup(Level.Iteration)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("scalesmall-jmh-log");
        log = RangeLog.open(dir, StorageConfig.defaults());
        ByteBuf batch = BenchBatches.batch(BenchBatches.payloads(CodecBenchmark.MESSAGES, 100, false, 3));
        compressed = BatchCompression.compress(batch, 0, PooledByteBufAllocator.DEFAULT);
        batch.release();
    }

    @TearDown(Level.Iteration)
    public void tearDown() throws IOException {
        log.close();
        compressed.release();
        TemporaryNode.deleteTree(dir);
    }

    @Benchmark
    @OperationsPerInvocation(CodecBenchmark.MESSAGES)
    public long append() throws IOException {
        long index = log.nextIndex();
        BatchFormat.stamp(compressed, 0, node, index, ++time);
        BatchFormat.writeCrc(compressed, 0);
        log.append(compressed);
        if (syncEvery > 0 && index % syncEvery == 0) {
            log.sync();
        }
        return index;
    }
}
