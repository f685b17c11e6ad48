package io.scalesmall.server.api;

import io.scalesmall.protocol.Protocol;

/**
 * Settings of the client protocol listener.
 *
 * @param host address to bind
 * @param port port to bind (0 = any free port)
 * @param advertisedHost address clients are told to connect to
 * @param maxFrameBytes largest frame accepted, length prefix included
 * @param maxMessageBytes largest message record accepted
 * @param maxInFlightBytesPerConnection unacknowledged publish bytes after which a connection is
 *     not read until acks go out
 * @param writeBufferLowBytes outbound bytes under which a paused connection is read again
 * @param writeBufferHighBytes outbound bytes over which a connection is not read (a client that
 *     does not read its acks) and subscriptions stop pushing
 * @param maxSubscriptionsPerConnection bound of concurrent subscriptions on one connection
 * @param ioThreads Netty event loop threads (0 = number of cores)
 * @param maxConnections client connections a node keeps open; one more is answered BUSY and
 *     closed once it says HELLO (connections of other nodes do not count)
 * @param helloTimeoutMs a connection that has not completed HELLO (or a peer's PEER_HELLO) within
 *     this long is closed, so idle sockets hold nothing for long
 * @param authFile the principals file ({@link Principals}): when set, a client must name a known
 *     token in HELLO and stay within its permissions; null for none
 * @param tls TLS on the client port and on this node's connections to other nodes
 * @param maxConnectionsPerPrincipal connections one principal (of {@code authFile}) may keep
 *     open on this node; one more is answered BUSY and closed
 * @param authReloadMs how often {@code authFile} is re-read, so principals change without a restart
 */
public record ApiConfig(
        String host,
        int port,
        String advertisedHost,
        int maxFrameBytes,
        int maxMessageBytes,
        int maxInFlightBytesPerConnection,
        int writeBufferLowBytes,
        int writeBufferHighBytes,
        int maxSubscriptionsPerConnection,
        int ioThreads,
        int maxConnections,
        int helloTimeoutMs,
        java.nio.file.Path authFile,
        TlsConfig tls,
        int maxConnectionsPerPrincipal,
        long authReloadMs) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_MAX_IN_FLIGHT_BYTES_PER_CONNECTION = 32 * 1024 * 1024;
    public static final int DEFAULT_WRITE_BUFFER_LOW_BYTES = 1024 * 1024;
    public static final int DEFAULT_WRITE_BUFFER_HIGH_BYTES = 4 * 1024 * 1024;
    public static final int DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 64;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_HELLO_TIMEOUT_MS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_PRINCIPAL = 1_000;
    public static final long DEFAULT_AUTH_RELOAD_MS = 5_000;

    public ApiConfig {
        if (maxConnections < 1
                || helloTimeoutMs < 1
                || maxSubscriptionsPerConnection < 1
                || maxConnectionsPerPrincipal < 1
                || authReloadMs < 1) {
            throw new IllegalArgumentException("max.connections, max.connections.per.principal, hello.timeout.ms,"
                    + " auth.reload.ms and max.subscriptions.per.connection must be positive");
        }
    }

    /** Defaults, listening on {@code host:port}. */
    public static ApiConfig defaults(String host, int port) {
        return new ApiConfig(
                host,
                port,
                host,
                Protocol.DEFAULT_MAX_FRAME_BYTES,
                Protocol.DEFAULT_MAX_MESSAGE_BYTES,
                DEFAULT_MAX_IN_FLIGHT_BYTES_PER_CONNECTION,
                DEFAULT_WRITE_BUFFER_LOW_BYTES,
                DEFAULT_WRITE_BUFFER_HIGH_BYTES,
                DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
                0,
                DEFAULT_MAX_CONNECTIONS,
                DEFAULT_HELLO_TIMEOUT_MS,
                null,
                TlsConfig.NONE,
                DEFAULT_MAX_CONNECTIONS_PER_PRINCIPAL,
                DEFAULT_AUTH_RELOAD_MS);
    }
}
