package io.scalesmall.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Starts a {@link FakeServer} per test and closes the clients a test opened. */
abstract class ClientTestSupport {
    FakeServer server;
    private final List<ScaleSmallClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws InterruptedException {
        server = new FakeServer();
    }

    @AfterEach
    void stopAll() {
        for (ScaleSmallClient c : clients) {
            c.close(java.time.Duration.ofMillis(500));
        }
        server.close();
    }

    /** Settings for tests: this server, fast retries. */
    /**
     * Settings for tests against the fake server. Batches go by linger and size only (no {@code
     * sendWhenIdle}), so that tests can say exactly which messages share a batch; {@link
     * PublishTest} covers {@code sendWhenIdle} itself.
     */
    ClientConfig.Builder config() {
        return ClientConfig.builder()
                .servers(server.address())
                .clientId("test-client")
                .sendWhenIdle(false)
                .retryBackoffMs(10)
                .retryBackoffMaxMs(100)
                .connectTimeoutMs(2_000);
    }

    ScaleSmallClient client(ClientConfig config) {
        ScaleSmallClient c = new ScaleSmallClient(config);
        clients.add(c);
        return c;
    }

    ScaleSmallClient client() {
        return client(config().build());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A payload of {@code size} bytes: {@code label}, a '|', then padding. */
    static byte[] padded(String label, int size) {
        byte[] out = new byte[size];
        java.util.Arrays.fill(out, (byte) '.');
        byte[] p = bytes(label + "|");
        System.arraycopy(p, 0, out, 0, Math.min(p.length, size));
        return out;
    }

    /** The label of a {@link #padded} payload. */
    static String label(String payload) {
        int bar = payload.indexOf('|');
        return bar < 0 ? payload : payload.substring(0, bar);
    }

    static List<String> labels(List<String> payloads) {
        return payloads.stream().map(ClientTestSupport::label).toList();
    }

    static List<String> range(String prefix, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(prefix + i);
        }
        return out;
    }
}
