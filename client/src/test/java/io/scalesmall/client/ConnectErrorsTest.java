package io.scalesmall.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** A request that finds no session says why the last attempt failed, so users can fix the address. */
class ConnectErrorsTest {
    private static Throwable failureOfMembers(String server) {
        try (ScaleSmallClient client = ScaleSmallClient.create(ClientConfig.builder()
                .servers(server)
                .requestTimeoutMs(500)
                .connectTimeoutMs(500)
                .build())) {
            return org.assertj.core.api.Assertions.catchThrowableOfType(
                            ExecutionException.class,
                            () -> client.members()
                                    .get(Duration.ofSeconds(10).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS))
                    .getCause();
        }
    }

    @Test
    void aClosedPortIsNamedAsRefused() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertThat(failureOfMembers("127.0.0.1:" + port))
                .isInstanceOf(ScaleSmallException.class)
                .hasMessageContaining("no connection within 500 ms")
                .hasMessageContaining("127.0.0.1:" + port + ": connection refused");
    }

    @Test
    void aPortThatIsNotAScaleSmallClientPortIsNamedAsSuch() throws Exception {
        // Like an HTTP server: it accepts, reads a little and hangs up.
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                for (int i = 0; i < 50 && !s.isClosed(); i++) {
                    try (Socket c = s.accept()) {
                        c.getInputStream().read(new byte[16]);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            assertThat(failureOfMembers("127.0.0.1:" + s.getLocalPort()))
                    .isInstanceOf(ScaleSmallException.class)
                    .hasMessageContaining("did not answer HELLO")
                    .hasMessageContaining("not an HTTP or cluster port");
        }
    }
}
