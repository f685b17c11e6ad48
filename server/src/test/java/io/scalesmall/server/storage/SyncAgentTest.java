package io.scalesmall.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncAgentTest {
    @TempDir
    Path dir;

    private final FaultyFiles files = new FaultyFiles();
    private final StorageConfig config = StorageConfig.defaults().withFileOpener(files);
    private final TestBatches batches = new TestBatches(8);
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final SyncAgent agent = new SyncAgent("test-sync", new SyncListener() {
        @Override
        public void onDurable(RangeLog log, long durableIndex) {
            events.add(log.directory().getFileName() + " durable " + durableIndex);
        }

        @Override
        public void onSyncFailed(RangeLog log, Exception cause) {
            events.add(log.directory().getFileName() + " failed " + cause.getMessage());
        }
    });

    @AfterEach
    void stopAgent() {
        agent.close();
    }

    @Test
    void syncsARequestedLogAndReportsItsDurableIndex() throws IOException {
        agent.start();
        try (RangeLog log = RangeLog.open(dir.resolve("a"), config)) {
            batches.append(log, 10);
            batches.append(log, 10);
            agent.requestSync(log);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("a durable 2"));
            assertThat(log.durableIndex()).isEqualTo(2);
            agent.close();
        }
    }

    @Test
    void requestsMadeWhileASyncRunsCoalesceIntoOneSyncPerLog() throws Exception {
        agent.start();
        TestBatches other = new TestBatches(9);
        try (RangeLog a = RangeLog.open(dir.resolve("a"), config);
                RangeLog b = RangeLog.open(dir.resolve("b"), config)) {
            FaultyFiles.Gate gate = new FaultyFiles.Gate();
            files.forceGate.set(gate);
            batches.append(a, 10);
            agent.requestSync(a);
            assertThat(gate.reached.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 100; i++) {
                batches.append(a, 10);
                agent.requestSync(a);
                other.append(b, 10);
                agent.requestSync(b);
            }
            gate.open.countDown();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> events.contains("a durable 101") && events.contains("b durable 100"));
            agent.close();
            assertThat(events).containsExactlyInAnyOrder("a durable 1", "a durable 101", "b durable 100");
            assertThat(events.indexOf("a durable 1")).isZero();
        }
    }

    @Test
    void aFailedSyncIsReportedToTheListener() throws IOException {
        agent.start();
        RangeLog log = RangeLog.open(dir.resolve("a"), config);
        batches.append(log, 10);
        files.forceFailure.set(new IOException("Input/output error"));
        agent.requestSync(log);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("a failed Input/output error"));
        agent.close();
        files.forceFailure.set(null);
        try {
            log.close();
        } catch (IOException expected) {
            // the failed fsync stays failed until the log is reopened
        }
    }

    @Test
    void closeSyncsWhatWasRequestedBefore() throws IOException {
        agent.start();
        try (RangeLog log = RangeLog.open(dir.resolve("a"), config)) {
            batches.append(log, 10);
            agent.requestSync(log);
            agent.close();
            assertThat(events).containsExactly("a durable 1");
        }
    }
}
