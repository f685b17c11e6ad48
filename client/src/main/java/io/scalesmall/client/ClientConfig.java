package io.scalesmall.client;

import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.Protocol;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Settings of a {@link ScaleSmallClient}. Every bound has a default, named by a {@code DEFAULT_*}
 * constant. Build one with {@link #builder()}.
 *
 * <p>Immutable; thread-safe.
 */
public final class ClientConfig {
    /** Default {@link #clientId()}. */
    public static final String DEFAULT_CLIENT_ID = "scalesmall-java";
    /** Default {@link #durability()}: one fsynced copy. */
    public static final DurabilityPolicy DEFAULT_DURABILITY = DurabilityPolicy.DISK_1;
    /**
     * Default {@link #lingerMs()}: 1 ms. With {@link #sendWhenIdle()} it applies only under load,
     * where it bounds the batching delay while batches stay large (500 messages at 500,000/s).
     */
    public static final int DEFAULT_LINGER_MS = 1;
    /** Default {@link #sendWhenIdle()}: on. */
    public static final boolean DEFAULT_SEND_WHEN_IDLE = true;
    /** Default {@link #maxBatchBytes()}: 256 KiB. */
    public static final int DEFAULT_MAX_BATCH_BYTES = 256 * 1024;
    /** Default {@link #maxInFlightBytes()}: 32 MiB. */
    public static final int DEFAULT_MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
    /** Default {@link #maxBlockMs()}: 60 s. */
    public static final long DEFAULT_MAX_BLOCK_MS = 60_000;
    /** Default {@link #maxMessageBytes()}: the protocol's default. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = Protocol.DEFAULT_MAX_MESSAGE_BYTES;
    /** Default {@link #maxFrameBytes()}: the protocol's default. */
    public static final int DEFAULT_MAX_FRAME_BYTES = Protocol.DEFAULT_MAX_FRAME_BYTES;
    /** Default {@link #requestTimeoutMs()}: 30 s. */
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
    /** Default {@link #deliveryTimeoutMs()}: 120 s. */
    public static final long DEFAULT_DELIVERY_TIMEOUT_MS = 120_000;
    /** Default {@link #connectTimeoutMs()}: 10 s. */
    public static final int DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
    /** Default {@link #retryBackoffMs()}. */
    public static final long DEFAULT_RETRY_BACKOFF_MS = 50;
    /** Default {@link #retryBackoffMaxMs()}. */
    public static final long DEFAULT_RETRY_BACKOFF_MAX_MS = 2_000;
    /** Default {@link #metadataMaxAgeMs()}: 5 minutes. */
    public static final long DEFAULT_METADATA_MAX_AGE_MS = 300_000;
    /** Default {@link #subscriptionQueueFrames()}. */
    public static final int DEFAULT_SUBSCRIPTION_QUEUE_FRAMES = 8;
    /** Default {@link #subscriptionFrameBytes()}: 1 MiB. */
    public static final int DEFAULT_SUBSCRIPTION_FRAME_BYTES = 1024 * 1024;
    /** Default {@link #ioThreads()}. */
    public static final int DEFAULT_IO_THREADS = 1;

    /**
     * Bytes a PUBLISH frame needs besides its records with the longest stream name: frame header,
     * publish prefix and batch header, rounded up. Keeps {@link #maxFrameBytes()} large enough for
     * the largest message.
     */
    static final int PUBLISH_FRAME_OVERHEAD_BYTES = 512;

    private final List<InetSocketAddress> servers;
    private final String clientId;
    private final String token;
    private final boolean tls;
    private final java.nio.file.Path tlsCaFile;
    private final java.nio.file.Path tlsCertFile;
    private final java.nio.file.Path tlsKeyFile;
    private final DurabilityPolicy durability;
    private final int lingerMs;
    private final boolean sendWhenIdle;
    private final int maxBatchBytes;
    private final int maxInFlightBytes;
    private final long maxBlockMs;
    private final int maxMessageBytes;
    private final int maxFrameBytes;
    private final long requestTimeoutMs;
    private final long deliveryTimeoutMs;
    private final int connectTimeoutMs;
    private final long retryBackoffMs;
    private final long retryBackoffMaxMs;
    private final long metadataMaxAgeMs;
    private final int subscriptionQueueFrames;
    private final int subscriptionFrameBytes;
    private final int ioThreads;
    private final Clock clock;
    private final LongSupplier nanoClock;
    private final Random random;

    private ClientConfig(Builder b) {
        if (b.servers.isEmpty()) {
            throw new IllegalArgumentException("at least one server is required");
        }
        this.servers = List.copyOf(b.servers);
        this.clientId = Objects.requireNonNull(b.clientId, "clientId");
        this.token = b.token;
        this.tls = b.tls;
        this.tlsCaFile = b.tlsCaFile;
        this.tlsCertFile = b.tlsCertFile;
        this.tlsKeyFile = b.tlsKeyFile;
        if ((tlsCertFile == null) != (tlsKeyFile == null)) {
            throw new IllegalArgumentException("a TLS client certificate needs its key, and the other way round");
        }
        this.durability = Objects.requireNonNull(b.durability, "durability");
        this.lingerMs = atLeast("lingerMs", b.lingerMs, 0);
        this.sendWhenIdle = b.sendWhenIdle;
        this.maxBatchBytes = atLeast("maxBatchBytes", b.maxBatchBytes, 1024);
        this.maxMessageBytes = atLeast("maxMessageBytes", b.maxMessageBytes, 1);
        this.maxFrameBytes = atLeast("maxFrameBytes", b.maxFrameBytes, 4096);
        this.maxInFlightBytes = atLeast("maxInFlightBytes", b.maxInFlightBytes, 1024);
        this.maxBlockMs = atLeast("maxBlockMs", b.maxBlockMs, 0);
        this.requestTimeoutMs = atLeast("requestTimeoutMs", b.requestTimeoutMs, 1);
        this.deliveryTimeoutMs = atLeast("deliveryTimeoutMs", b.deliveryTimeoutMs, 1);
        this.connectTimeoutMs = atLeast("connectTimeoutMs", b.connectTimeoutMs, 1);
        this.retryBackoffMs = atLeast("retryBackoffMs", b.retryBackoffMs, 1);
        this.retryBackoffMaxMs = atLeast("retryBackoffMaxMs", b.retryBackoffMaxMs, b.retryBackoffMs);
        this.metadataMaxAgeMs = atLeast("metadataMaxAgeMs", b.metadataMaxAgeMs, 1);
        this.subscriptionQueueFrames = atLeast("subscriptionQueueFrames", b.subscriptionQueueFrames, 2);
        this.subscriptionFrameBytes = atLeast("subscriptionFrameBytes", b.subscriptionFrameBytes, 1);
        this.ioThreads = atLeast("ioThreads", b.ioThreads, 1);
        this.clock = Objects.requireNonNull(b.clock, "clock");
        this.nanoClock = Objects.requireNonNull(b.nanoClock, "nanoClock");
        this.random = Objects.requireNonNull(b.random, "random");
        if ((long) maxMessageBytes + PUBLISH_FRAME_OVERHEAD_BYTES > maxFrameBytes) {
            throw new IllegalArgumentException("maxFrameBytes (" + maxFrameBytes + ") must exceed maxMessageBytes ("
                    + maxMessageBytes + ") by at least " + PUBLISH_FRAME_OVERHEAD_BYTES);
        }
        if (maxInFlightBytes < maxMessageBytes) {
            throw new IllegalArgumentException("maxInFlightBytes (" + maxInFlightBytes
                    + ") must be at least maxMessageBytes (" + maxMessageBytes + ")");
        }
    }

    /**
     * A builder with every setting at its default and no servers.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The servers to connect to, tried in order, moving to the next one after a failure.
     *
     * @return the server addresses (unresolved until connect)
     */
    public List<InetSocketAddress> servers() {
        return servers;
    }

    /**
     * The name this client gives the server in HELLO, for its logs and metrics.
     *
     * @return the client id
     */
    public String clientId() {
        return clientId;
    }

    /**
     * The credential sent in HELLO to nodes that require one (docs/SECURITY.md), or null.
     *
     * @return the token
     */
    public String token() {
        return token;
    }

    /**
     * Whether connections use TLS: the node's certificate must chain to {@link #tlsCaFile()} (or
     * to a CA the JDK trusts) and name the host the client connects to.
     *
     * @return true for TLS
     */
    public boolean tls() {
        return tls;
    }

    /**
     * The CA certificates (PEM) a node's certificate must chain to, or null for the JDK's own.
     *
     * @return the file
     */
    public java.nio.file.Path tlsCaFile() {
        return tlsCaFile;
    }

    /**
     * This client's certificate chain (PEM) for nodes that require one (mutual TLS), or null.
     *
     * @return the file
     */
    public java.nio.file.Path tlsCertFile() {
        return tlsCertFile;
    }

    /**
     * The private key (PEM, PKCS#8) of {@link #tlsCertFile()}, or null.
     *
     * @return the file
     */
    public java.nio.file.Path tlsKeyFile() {
        return tlsKeyFile;
    }

    /**
     * The session's durability policy, sent in HELLO; a publish may override it.
     *
     * @return the policy
     */
    public DurabilityPolicy durability() {
        return durability;
    }

    /**
     * How long a batch stays open after its first message, waiting for more, before it is sent.
     * With {@link #sendWhenIdle()} this applies only while earlier batches of the range await an
     * answer.
     *
     * @return milliseconds, 0 to send as soon as the I/O thread gets to it
     */
    public int lingerMs() {
        return lingerMs;
    }

    /**
     * Whether a batch opened while nothing of its range awaits an answer is sent at once instead
     * of lingering: at a low rate every message leaves without waiting for {@link #lingerMs()};
     * under load, while batches are in flight anyway, new ones fill for up to {@code lingerMs} or
     * until full, as without it.
     *
     * @return true to send at once when the range is idle
     */
    public boolean sendWhenIdle() {
        return sendWhenIdle;
    }

    /**
     * Largest batch (header plus records) the client builds; a batch is sent when the next message
     * would make it larger. A message larger than this travels in a batch of its own.
     *
     * @return bytes
     */
    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    /**
     * Most bytes of messages published but not yet acknowledged (or failed). A publish over this
     * bound blocks up to {@link #maxBlockMs()}.
     *
     * @return bytes
     */
    public int maxInFlightBytes() {
        return maxInFlightBytes;
    }

    /**
     * How long a publish may block waiting for in-flight room before it fails with {@link
     * BufferFullException}.
     *
     * @return milliseconds
     */
    public long maxBlockMs() {
        return maxBlockMs;
    }

    /**
     * Largest message record (key, payload, headers and record overhead) this client sends; the
     * effective limit is the smaller of this and the server's.
     *
     * @return bytes
     */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /**
     * Largest frame this client sends or accepts, length prefix included; the effective limit for
     * sending is the smaller of this and the server's.
     *
     * @return bytes
     */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /**
     * How long a request may stay unanswered before the connection is considered lost and its
     * requests are retried on a new one.
     *
     * @return milliseconds
     */
    public long requestTimeoutMs() {
        return requestTimeoutMs;
    }

    /**
     * How long after its publish a message may take to be acknowledged, retries included, before
     * its future fails with {@code TIMEOUT}.
     *
     * @return milliseconds
     */
    public long deliveryTimeoutMs() {
        return deliveryTimeoutMs;
    }

    /**
     * How long a TCP connect may take.
     *
     * @return milliseconds
     */
    public int connectTimeoutMs() {
        return connectTimeoutMs;
    }

    /**
     * First delay before a retry or a reconnect; it doubles on every further failure up to {@link
     * #retryBackoffMaxMs()}.
     *
     * @return milliseconds
     */
    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    /**
     * Longest delay between retries or reconnects.
     *
     * @return milliseconds
     */
    public long retryBackoffMaxMs() {
        return retryBackoffMaxMs;
    }

    /**
     * How often the ranges of the streams this client publishes to are refreshed from METADATA.
     *
     * @return milliseconds
     */
    public long metadataMaxAgeMs() {
        return metadataMaxAgeMs;
    }

    /**
     * Frames a subscription may hold between the socket and its delivery thread before it stops
     * reading from the socket (a slow handler then pushes back through TCP).
     *
     * @return frames
     */
    public int subscriptionQueueFrames() {
        return subscriptionQueueFrames;
    }

    /**
     * Bytes of batches a subscription asks per pushed frame (the server sends at least one batch).
     *
     * @return bytes
     */
    public int subscriptionFrameBytes() {
        return subscriptionFrameBytes;
    }

    /**
     * Netty I/O threads shared by the publishing connection and the subscriptions.
     *
     * @return threads
     */
    public int ioThreads() {
        return ioThreads;
    }

    /**
     * The wall clock that stamps each message's create time.
     *
     * @return the clock
     */
    public Clock clock() {
        return clock;
    }

    /**
     * The monotonic clock (nanoseconds) that measures timeouts.
     *
     * @return the clock
     */
    public LongSupplier nanoClock() {
        return nanoClock;
    }

    /**
     * The random source of producer ids.
     *
     * @return the random source
     */
    public Random random() {
        return random;
    }

    private static int atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    private static long atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
        }
        return value;
    }

    /**
     * Builds a {@link ClientConfig}. Not thread-safe.
     */
    public static final class Builder {
        private final List<InetSocketAddress> servers = new ArrayList<>();
        private String clientId = DEFAULT_CLIENT_ID;
        private String token;
        private boolean tls;
        private java.nio.file.Path tlsCaFile;
        private java.nio.file.Path tlsCertFile;
        private java.nio.file.Path tlsKeyFile;
        private DurabilityPolicy durability = DEFAULT_DURABILITY;
        private int lingerMs = DEFAULT_LINGER_MS;
        private boolean sendWhenIdle = DEFAULT_SEND_WHEN_IDLE;
        private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private int maxInFlightBytes = DEFAULT_MAX_IN_FLIGHT_BYTES;
        private long maxBlockMs = DEFAULT_MAX_BLOCK_MS;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
        private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
        private long deliveryTimeoutMs = DEFAULT_DELIVERY_TIMEOUT_MS;
        private int connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
        private long retryBackoffMs = DEFAULT_RETRY_BACKOFF_MS;
        private long retryBackoffMaxMs = DEFAULT_RETRY_BACKOFF_MAX_MS;
        private long metadataMaxAgeMs = DEFAULT_METADATA_MAX_AGE_MS;
        private int subscriptionQueueFrames = DEFAULT_SUBSCRIPTION_QUEUE_FRAMES;
        private int subscriptionFrameBytes = DEFAULT_SUBSCRIPTION_FRAME_BYTES;
        private int ioThreads = DEFAULT_IO_THREADS;
        private Clock clock = Clock.systemUTC();
        private LongSupplier nanoClock = System::nanoTime;
        private Random random = new SecureRandom();

        private Builder() {}

        /**
         * Adds servers, each as {@code host:port} or {@code host} (port {@link
         * Protocol#DEFAULT_PORT}); IPv6 literals go in brackets, {@code [::1]:7070}. A string may
         * list several, separated by commas, as Kafka's {@code bootstrap.servers}: {@code
         * "10.0.0.1:7070,10.0.0.2:7070"}.
         *
         * @param hostPorts server addresses
         * @return this builder
         */
        public Builder servers(String... hostPorts) {
            for (String list : hostPorts) {
                for (String hp : list.split(",", -1)) {
                    if (hp.isBlank() && list.contains(",")) {
                        throw new IllegalArgumentException("empty server address in: " + list);
                    }
                    servers.add(parseHostPort(hp));
                }
            }
            return this;
        }

        /**
         * Adds servers given as {@code host:port}.
         *
         * @param hostPorts server addresses
         * @return this builder
         */
        public Builder servers(List<String> hostPorts) {
            return servers(hostPorts.toArray(new String[0]));
        }

        /**
         * Adds one server address.
         *
         * @param address the server
         * @return this builder
         */
        public Builder server(InetSocketAddress address) {
            servers.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        /**
         * Sets {@link ClientConfig#clientId()}.
         *
         * @param clientId the name
         * @return this builder
         */
        public Builder clientId(String clientId) {
            this.clientId = clientId;
            return this;
        }

        /**
         * Sets {@link ClientConfig#token()}.
         *
         * @param token the credential a node's {@code auth.file} names, or null for none
         * @return this builder
         */
        public Builder token(String token) {
            this.token = token == null || token.isBlank() ? null : token.strip();
            return this;
        }

        /**
         * Connects with TLS, trusting the CA certificates in {@code caFile} (PEM), or the JDK's
         * own when null; see {@link ClientConfig#tls()}.
         *
         * @param caFile the CA certificates, or null
         * @return this builder
         */
        public Builder tls(java.nio.file.Path caFile) {
            this.tls = true;
            this.tlsCaFile = caFile;
            return this;
        }

        /**
         * Shows this certificate to nodes that require one (mutual TLS); implies {@link #tls}.
         *
         * @param certFile the certificate chain (PEM)
         * @param keyFile its private key (PEM, PKCS#8)
         * @return this builder
         */
        public Builder tlsClientCertificate(java.nio.file.Path certFile, java.nio.file.Path keyFile) {
            this.tls = true;
            this.tlsCertFile = certFile;
            this.tlsKeyFile = keyFile;
            return this;
        }

        /**
         * Sets {@link ClientConfig#durability()}.
         *
         * @param durability the session policy
         * @return this builder
         */
        public Builder durability(DurabilityPolicy durability) {
            this.durability = durability;
            return this;
        }

        /**
         * Sets {@link ClientConfig#lingerMs()}.
         *
         * @param lingerMs milliseconds
         * @return this builder
         */
        public Builder lingerMs(int lingerMs) {
            this.lingerMs = lingerMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#sendWhenIdle()}.
         *
         * @param sendWhenIdle true to send a batch at once when nothing of its range awaits an answer
         * @return this builder
         */
        public Builder sendWhenIdle(boolean sendWhenIdle) {
            this.sendWhenIdle = sendWhenIdle;
            return this;
        }

        /**
         * Sets {@link ClientConfig#maxBatchBytes()}.
         *
         * @param maxBatchBytes bytes
         * @return this builder
         */
        public Builder maxBatchBytes(int maxBatchBytes) {
            this.maxBatchBytes = maxBatchBytes;
            return this;
        }

        /**
         * Sets {@link ClientConfig#maxInFlightBytes()}.
         *
         * @param maxInFlightBytes bytes
         * @return this builder
         */
        public Builder maxInFlightBytes(int maxInFlightBytes) {
            this.maxInFlightBytes = maxInFlightBytes;
            return this;
        }

        /**
         * Sets {@link ClientConfig#maxBlockMs()}.
         *
         * @param maxBlockMs milliseconds
         * @return this builder
         */
        public Builder maxBlockMs(long maxBlockMs) {
            this.maxBlockMs = maxBlockMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#maxMessageBytes()}.
         *
         * @param maxMessageBytes bytes
         * @return this builder
         */
        public Builder maxMessageBytes(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
            return this;
        }

        /**
         * Sets {@link ClientConfig#maxFrameBytes()}.
         *
         * @param maxFrameBytes bytes
         * @return this builder
         */
        public Builder maxFrameBytes(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /**
         * Sets {@link ClientConfig#requestTimeoutMs()}.
         *
         * @param requestTimeoutMs milliseconds
         * @return this builder
         */
        public Builder requestTimeoutMs(long requestTimeoutMs) {
            this.requestTimeoutMs = requestTimeoutMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#deliveryTimeoutMs()}.
         *
         * @param deliveryTimeoutMs milliseconds
         * @return this builder
         */
        public Builder deliveryTimeoutMs(long deliveryTimeoutMs) {
            this.deliveryTimeoutMs = deliveryTimeoutMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#connectTimeoutMs()}.
         *
         * @param connectTimeoutMs milliseconds
         * @return this builder
         */
        public Builder connectTimeoutMs(int connectTimeoutMs) {
            this.connectTimeoutMs = connectTimeoutMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#retryBackoffMs()}.
         *
         * @param retryBackoffMs milliseconds
         * @return this builder
         */
        public Builder retryBackoffMs(long retryBackoffMs) {
            this.retryBackoffMs = retryBackoffMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#retryBackoffMaxMs()}.
         *
         * @param retryBackoffMaxMs milliseconds
         * @return this builder
         */
        public Builder retryBackoffMaxMs(long retryBackoffMaxMs) {
            this.retryBackoffMaxMs = retryBackoffMaxMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#metadataMaxAgeMs()}.
         *
         * @param metadataMaxAgeMs milliseconds
         * @return this builder
         */
        public Builder metadataMaxAgeMs(long metadataMaxAgeMs) {
            this.metadataMaxAgeMs = metadataMaxAgeMs;
            return this;
        }

        /**
         * Sets {@link ClientConfig#subscriptionQueueFrames()}.
         *
         * @param subscriptionQueueFrames frames
         * @return this builder
         */
        public Builder subscriptionQueueFrames(int subscriptionQueueFrames) {
            this.subscriptionQueueFrames = subscriptionQueueFrames;
            return this;
        }

        /**
         * Sets {@link ClientConfig#subscriptionFrameBytes()}.
         *
         * @param subscriptionFrameBytes bytes
         * @return this builder
         */
        public Builder subscriptionFrameBytes(int subscriptionFrameBytes) {
            this.subscriptionFrameBytes = subscriptionFrameBytes;
            return this;
        }

        /**
         * Sets {@link ClientConfig#ioThreads()}.
         *
         * @param ioThreads threads
         * @return this builder
         */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /**
         * Sets {@link ClientConfig#clock()}.
         *
         * @param clock the wall clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Sets {@link ClientConfig#nanoClock()}.
         *
         * @param nanoClock a monotonic nanosecond source
         * @return this builder
         */
        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
            return this;
        }

        /**
         * Sets {@link ClientConfig#random()}.
         *
         * @param random the random source
         * @return this builder
         */
        public Builder random(Random random) {
            this.random = random;
            return this;
        }

        /**
         * Checks the settings and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException when a setting is out of range or no server is given
         */
        public ClientConfig build() {
            return new ClientConfig(this);
        }

        private static InetSocketAddress parseHostPort(String hostPort) {
            String s = hostPort.trim();
            String host;
            int port = Protocol.DEFAULT_PORT;
            if (s.startsWith("[")) {
                int close = s.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("bad server address: " + hostPort);
                }
                host = s.substring(1, close);
                if (close + 1 < s.length()) {
                    if (s.charAt(close + 1) != ':') {
                        throw new IllegalArgumentException("bad server address: " + hostPort);
                    }
                    port = parsePort(s.substring(close + 2), hostPort);
                }
            } else {
                int colon = s.lastIndexOf(':');
                if (colon >= 0 && s.indexOf(':') == colon) {
                    host = s.substring(0, colon);
                    port = parsePort(s.substring(colon + 1), hostPort);
                } else {
                    host = s;
                }
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("bad server address: " + hostPort);
            }
            return InetSocketAddress.createUnresolved(host, port);
        }

        private static int parsePort(String port, String hostPort) {
            try {
                int p = Integer.parseInt(port);
                if (p < 1 || p > 65535) {
                    throw new IllegalArgumentException("bad port in server address: " + hostPort);
                }
                return p;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in server address: " + hostPort, e);
            }
        }
    }
}
