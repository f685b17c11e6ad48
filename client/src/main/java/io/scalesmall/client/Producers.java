package io.scalesmall.client;

import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.StreamNames;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link StreamProducer} of every stream this client has published to, created on first use;
 * a new stream's ranges are looked up (and the stream created, if it does not exist) right away.
 *
 * <p>Thread-safe.
 */
final class Producers {
    /** Finds (creating it if allowed) the ranges of a stream, until {@link StreamProducer#isRouted}. */
    interface MetadataRequester {
        void request(StreamProducer producer);
    }

    private final ConcurrentHashMap<String, StreamProducer> streams = new ConcurrentHashMap<>();
    private final Sender sender;
    private final Senders senders;
    private final ClientConfig config;
    private final long producerId;
    private final MetadataRequester metadata;

    Producers(Senders senders, ClientConfig config, long producerId, MetadataRequester metadata) {
        this.senders = senders;
        this.sender = senders.bootstrap();
        this.config = config;
        this.producerId = producerId;
        this.metadata = metadata;
    }

    /**
     * The producer of {@code stream}.
     *
     * @throws io.scalesmall.protocol.ProtocolException with INVALID_STREAM_NAME for a bad name
     */
    StreamProducer get(String stream) {
        StreamProducer producer = streams.get(stream);
        if (producer != null) {
            return producer;
        }
        StreamNames.validate(stream);
        boolean[] created = new boolean[1];
        producer = streams.computeIfAbsent(stream, s -> {
            created[0] = true;
            return new StreamProducer(s, this::newRange, sender::rangeReplacedLater);
        });
        if (created[0] && producer.resolving.compareAndSet(false, true)) {
            metadata.request(producer);
        }
        return producer;
    }

    /** Starts a lookup of the producer's ranges unless one runs. */
    void resolve(StreamProducer producer) {
        if (!producer.isRouted() && producer.resolving.compareAndSet(false, true)) {
            metadata.request(producer);
        }
    }

    /** The producer of {@code stream} if it exists, else null. */
    StreamProducer find(String stream) {
        return streams.get(stream);
    }

    private RangeProducer newRange(String stream, int rangeId, List<java.net.InetSocketAddress> replicas) {
        Sender target = senders.forReplicas(replicas);
        RangeProducer producer = new RangeProducer(stream, rangeId, target, config, producerId);
        producer.replicas = List.copyOf(replicas);
        target.register(producer);
        return producer;
    }

    /** Updates the routers of the streams {@code response} describes. */
    void update(MetadataResponse response) {
        for (MetadataResponse.Stream s : response.streams()) {
            StreamProducer producer = streams.get(s.name());
            if (producer != null) {
                producer.update(s, response.nodes());
            }
        }
    }

    /** The streams with a producer. */
    List<String> streamNames() {
        return new ArrayList<>(streams.keySet());
    }
}
