package io.scalesmall.client;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.CreateStreamRequest;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.HelloResponse;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.ProtocolException;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.PublishResponse;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.RecordReader;
import io.scalesmall.protocol.StartPosition;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.protocol.UnsubscribeRequest;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A one-node server speaking protocol v1, for client tests. It stores batches in memory (stamped,
 * LZ4-compressed, with CRC, like the real node), deduplicates by (producer, sequence), serves
 * FETCH and SUBSCRIBE from what it stored, and can be told to misbehave: refuse HELLO, answer
 * publishes with errors, hold acknowledgements, drop connections.
 *
 * <p>All state lives on its single event loop; test threads reach it through {@link #call}.
 */
final class FakeServer implements AutoCloseable {
    static final NodeId NODE = new NodeId(0x1111L, 0x2222L);

    /** One publish as the server received it. */
    record Received(String stream, long producerId, long producerSeq, int count, String outcome) {}

    private static final class Stream {
        final List<ByteBuf> batches = new ArrayList<>();
        /** The range each stored batch was published to. */
        final List<Integer> batchRanges = new ArrayList<>();

        final Map<Long, Long> nextSeqByProducer = new HashMap<>();
        final Map<Long, Map<Long, Integer>> batchBySeq = new HashMap<>();
        StreamOptions options = StreamOptions.DEFAULT;
    }

    private record Subscriber(Channel channel, String stream, int requestId, int maxBytes, int[] nextIndex) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel serverChannel;
    private final Map<String, Stream> streams = new LinkedHashMap<>();
    private final List<Subscriber> subscribers = new ArrayList<>();
    private final List<Channel> connections = new ArrayList<>();
    private final ArrayDeque<Runnable> heldAcks = new ArrayDeque<>();
    private final List<Received> received = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<HelloRequest> hellos = new CopyOnWriteArrayList<>();
    private final List<StartPosition> subscribeStarts = new CopyOnWriteArrayList<>();

    // Misbehaviour switches, event loop only.
    private ErrorResponse helloError;
    private int maxFrameBytes = 4 * 1024 * 1024;
    private int maxMessageBytes = 1024 * 1024;
    private final ArrayDeque<ErrorCode> publishErrors = new ArrayDeque<>();
    private int dropOnPublish;
    private boolean storeBeforeDrop;
    private boolean holdAcks;
    private int ignorePublishes;
    private long hlcCounter;
    /** The range publishes go to, and the one it replaced (refused as sealed), or -1. */
    private int currentRange;

    private int sealedRange = -1;
    /** After {@link #splitRange}, the ranges of the lower and upper half of the key space. */
    private int[] halves;
    /** Whether RANGE_SEALED answers carry the placement, as the node's do. */
    private boolean placementInErrors;

    private final java.util.concurrent.atomic.AtomicInteger metadataRequests =
            new java.util.concurrent.atomic.AtomicInteger();

    private boolean keepBatches = true;

    FakeServer() throws InterruptedException {
        this(0);
    }

    /** A server on {@code port} (0 for any free port). */
    FakeServer(int port) throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(new LengthFieldBasedFrameDecoder(64 * 1024 * 1024, 0, 4, 0, 0))
                                .addLast(new Handler());
                    }
                })
                .bind("127.0.0.1", port)
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** Runs {@code task} on the server's event loop and returns its result. */
    <T> T call(Callable<T> task) {
        try {
            return group.next().submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    void refuseHello(ErrorCode code, String message) {
        run(() -> helloError = new ErrorResponse(code, message));
    }

    void acceptHello() {
        run(() -> helloError = null);
    }

    void limits(int maxFrame, int maxMessage) {
        run(() -> {
            maxFrameBytes = maxFrame;
            maxMessageBytes = maxMessage;
        });
    }

    /**
     * A placement change: the current range is sealed (publishes to it are refused with
     * RANGE_SEALED, storing nothing) and {@code successor} covers the key space from now on,
     * with producer sequences counted afresh.
     */
    void replaceRange(int successor) {
        run(() -> {
            sealedRange = currentRange;
            currentRange = successor;
            streams.values().forEach(s -> {
                s.nextSeqByProducer.clear();
                s.batchBySeq.clear();
            });
        });
    }

    /**
     * A split: the current range is sealed (publishes to it are refused with RANGE_SEALED,
     * storing nothing) and {@code lower} and {@code upper} take the two halves of the key space
     * from now on, with producer sequences counted afresh.
     */
    void splitRange(int lower, int upper) {
        run(() -> {
            sealedRange = currentRange;
            halves = new int[] {lower, upper};
            streams.values().forEach(s -> {
                s.nextSeqByProducer.clear();
                s.batchBySeq.clear();
            });
        });
    }

    /** From now on RANGE_SEALED answers carry the stream's placement ("wrong node" answers). */
    void placementInErrors() {
        run(() -> placementInErrors = true);
    }

    /** How many METADATA requests the server answered or refused. */
    int metadataRequests() {
        return metadataRequests.get();
    }

    /** Answers the next publishes with these errors, one each, storing nothing. */
    void failNextPublishes(ErrorCode... codes) {
        run(() -> publishErrors.addAll(List.of(codes)));
    }

    /** Closes the connection when the {@code n}-th next publish arrives, storing it first or not. */
    void dropOnPublish(int n, boolean storeFirst) {
        run(() -> {
            dropOnPublish = n;
            storeBeforeDrop = storeFirst;
        });
    }

    /** Stores but does not answer the next {@code n} publishes (the client must time out). */
    void ignoreNextPublishes(int n) {
        run(() -> ignorePublishes = n);
    }

    /** Keeps acknowledgements back until {@link #releaseAcks()}. */
    /** Stops keeping stored batches (sequence bookkeeping continues), for throughput runs. */
    void discardBatches() {
        run(() -> keepBatches = false);
    }

    void holdAcks() {
        run(() -> holdAcks = true);
    }

    void releaseAcks() {
        run(() -> {
            holdAcks = false;
            Runnable r;
            while ((r = heldAcks.pollFirst()) != null) {
                r.run();
            }
        });
    }

    /** Sends the oldest {@code n} held answers and keeps holding the rest and later ones. */
    void releaseAcks(int n) {
        run(() -> {
            for (int i = 0; i < n && !heldAcks.isEmpty(); i++) {
                heldAcks.pollFirst().run();
            }
        });
    }

    int heldAckCount() {
        return call(heldAcks::size);
    }

    void dropAllConnections() {
        run(() -> List.copyOf(connections).forEach(Channel::close));
    }

    void dropSubscriberConnections() {
        run(() -> {
            for (Subscriber s : List.copyOf(subscribers)) {
                s.channel().close();
            }
        });
    }

    int subscriberCount() {
        return call(subscribers::size);
    }

    int connectionCount() {
        return call(connections::size);
    }

    List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** The start of every SUBSCRIBE received, in order. */
    List<StartPosition> subscribeStarts() {
        return List.copyOf(subscribeStarts);
    }

    List<HelloRequest> hellos() {
        return List.copyOf(hellos);
    }

    int batchCount(String stream) {
        return call(() -> {
            Stream s = streams.get(stream);
            return s == null ? 0 : s.batches.size();
        });
    }

    /** Every stored payload of {@code stream}, in storage order, as strings. */
    List<String> storedPayloads(String stream) {
        List<String> out = new ArrayList<>();
        for (String m : storedByRange(stream)) {
            out.add(m.split(":", 3)[2]);
        }
        return out;
    }

    /** The stored messages of {@code stream} as "range:key:value", in the order stored. */
    List<String> storedByRange(String stream) {
        return call(() -> {
            List<String> out = new ArrayList<>();
            Stream s = streams.get(stream);
            if (s == null) {
                return out;
            }
            ByteBuf records = Unpooled.buffer();
            RecordReader reader = new RecordReader();
            for (int i = 0; i < s.batches.size(); i++) {
                ByteBuf b = s.batches.get(i);
                BatchCompression.decompressRecords(b, 0, records);
                reader.reset(records, 0, records.readableBytes(), BatchFormat.baseTimestamp(b, 0), Integer.MAX_VALUE);
                while (reader.next()) {
                    byte[] key = reader.keyBytes();
                    out.add(s.batchRanges.get(i) + ":"
                            + (key == null ? "" : new String(key, java.nio.charset.StandardCharsets.UTF_8)) + ":"
                            + new String(reader.valueBytes(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return out;
        });
    }

    /** Message counts of the stored batches of {@code stream}, in order. */
    List<Integer> storedBatchSizes(String stream) {
        return call(() -> {
            List<Integer> out = new ArrayList<>();
            Stream s = streams.get(stream);
            if (s != null) {
                for (ByteBuf b : s.batches) {
                    out.add(BatchFormat.count(b, 0));
                }
            }
            return out;
        });
    }

    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    // ---- protocol ----

    private final class Handler extends ChannelInboundHandlerAdapter {
        private boolean helloDone;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.add(ctx.channel());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connections.remove(ctx.channel());
            subscribers.removeIf(s -> s.channel() == ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                if (!ctx.channel().isActive()) {
                    return; // closed while frames of the same read were still being decoded
                }
                int typeCode = FrameHeader.typeCode(frame);
                int id = FrameHeader.requestId(frame);
                FrameType type = FrameType.fromCode(typeCode);
                FrameHeader.skip(frame);
                if (type == FrameType.HELLO) {
                    hello(ctx.channel(), id, HelloRequest.read(frame));
                    return;
                }
                if (!helloDone) {
                    error(ctx.channel(), id, ErrorCode.HELLO_REQUIRED, "hello first");
                    return;
                }
                try {
                    switch (type) {
                        case PUBLISH -> publish(ctx.channel(), id, frame);
                        case FETCH -> fetch(ctx.channel(), id, FetchRequest.read(frame));
                        case SUBSCRIBE -> subscribe(ctx.channel(), id, FetchRequest.read(frame));
                        case UNSUBSCRIBE -> unsubscribe(ctx.channel(), id, UnsubscribeRequest.read(frame));
                        case METADATA -> metadata(ctx.channel(), id, MetadataRequest.read(frame));
                        case CREATE_STREAM -> createStream(ctx.channel(), id, CreateStreamRequest.read(frame));
                        default -> error(ctx.channel(), id, ErrorCode.UNKNOWN_REQUEST_TYPE, "type " + type);
                    }
                } catch (ProtocolException e) {
                    error(ctx.channel(), id, e.code(), e.getMessage());
                }
            } finally {
                frame.release();
            }
        }

        private void hello(Channel ch, int id, HelloRequest request) {
            hellos.add(request);
            if (helloError != null) {
                error(ch, id, helloError.code(), helloError.message());
                return;
            }
            helloDone = true;
            HelloResponse response = new HelloResponse(NODE, maxFrameBytes, maxMessageBytes, 1, 1);
            send(ch, FrameType.HELLO_OK, id, response::write);
        }
    }

    private void publish(Channel ch, int id, ByteBuf frame) {
        PublishRequest request = PublishRequest.read(frame);
        int at = frame.readerIndex();
        long producerId = BatchFormat.producerId(frame, at);
        long producerSeq = BatchFormat.producerSeq(frame, at);
        int count = BatchFormat.count(frame, at);
        if (dropOnPublish > 0 && --dropOnPublish == 0) {
            String outcome = "dropped";
            if (storeBeforeDrop) {
                outcome = "stored+dropped:" + store(request.stream(), frame, at, producerId, producerSeq, count)[0];
            }
            received.add(new Received(request.stream(), producerId, producerSeq, count, outcome));
            ch.close();
            return;
        }
        if (request.rangeId() == sealedRange) {
            received.add(new Received(request.stream(), producerId, producerSeq, count, "error:RANGE_SEALED"));
            MetadataResponse placement = placementInErrors ? describe(request.stream()) : null;
            respond(() -> send(
                    ch,
                    FrameType.ERROR,
                    id,
                    new ErrorResponse(ErrorCode.RANGE_SEALED, "range " + sealedRange + " was replaced", placement)
                            ::write));
            return;
        }
        ErrorCode injected = publishErrors.pollFirst();
        if (injected != null) {
            received.add(new Received(request.stream(), producerId, producerSeq, count, "error:" + injected));
            respond(() -> error(ch, id, injected, "injected " + injected));
            return;
        }
        // validate the records like the node does
        RecordReader reader = new RecordReader();
        reader.reset(
                frame,
                at + BatchFormat.HEADER_BYTES,
                BatchFormat.recordsLength(frame, at),
                BatchFormat.baseTimestamp(frame, at),
                maxMessageBytes);
        int n = 0;
        while (reader.next()) {
            n++;
        }
        if (n != count) {
            throw new ProtocolException(ErrorCode.INVALID_BATCH, "count " + count + " but " + n + " records");
        }
        Object[] result = store(request.stream(), frame, at, producerId, producerSeq, count, request.rangeId());
        String outcome = (String) result[0];
        received.add(new Received(request.stream(), producerId, producerSeq, count, outcome));
        if (result[1] instanceof ErrorCode code) {
            respond(() -> error(ch, id, code, outcome));
            return;
        }
        if (ignorePublishes > 0) {
            ignorePublishes--;
            return;
        }
        PublishResponse response = (PublishResponse) result[1];
        respond(() -> send(ch, FrameType.PUBLISH_OK, id, response::write));
    }

    /** Sends a publish answer now, or later when answers are held. */
    private void respond(Runnable answer) {
        if (holdAcks) {
            heldAcks.addLast(answer);
        } else {
            answer.run();
        }
    }

    /** Returns {outcome, PublishResponse or ErrorCode}. */
    private Object[] store(String streamName, ByteBuf frame, int at, long producerId, long producerSeq, int count) {
        return store(streamName, frame, at, producerId, producerSeq, count, currentRange);
    }

    private Object[] store(
            String streamName, ByteBuf frame, int at, long producerId, long producerSeq, int count, int rangeId) {
        Stream s = streams.computeIfAbsent(streamName, k -> new Stream());
        // Like the node, producer sequences count per range: a client's ranges share its producer id.
        producerId = producerId * 31 + rangeId;
        long expected = s.nextSeqByProducer.getOrDefault(producerId, 0L);
        Map<Long, Integer> bySeq = s.batchBySeq.computeIfAbsent(producerId, k -> new HashMap<>());
        if (producerSeq + count <= expected) {
            Integer index = bySeq.get(producerSeq);
            long batchSeq = index == null ? 0 : index + 1;
            long hlc = index == null ? 0 : BatchFormat.hlcTime(s.batches.get(index), 0);
            return new Object[] {"duplicate", new PublishResponse(rangeId, NODE, batchSeq, hlc, true, 1, 1)};
        }
        if (producerSeq > expected) {
            return new Object[] {"out-of-order(expected " + expected + ")", ErrorCode.OUT_OF_ORDER_SEQUENCE};
        }
        if (producerSeq != expected) {
            return new Object[] {"overlap", ErrorCode.INVALID_SEQUENCE};
        }
        long batchSeq = s.batches.size() + 1;
        if (!keepBatches) {
            s.nextSeqByProducer.put(producerId, expected + count);
            long hlc = (System.currentTimeMillis() << 16) | (hlcCounter++ & 0xFFFF);
            return new Object[] {"stored", new PublishResponse(rangeId, NODE, batchSeq, hlc, false, 1, 1)};
        }
        int total = BatchFormat.totalBytes(frame, at);
        ByteBuf copy = Unpooled.buffer(total);
        copy.writeBytes(frame, at, total);
        long hlc = (System.currentTimeMillis() << 16) | (hlcCounter++ & 0xFFFF);
        BatchFormat.stamp(copy, 0, NODE, batchSeq, hlc);
        ByteBuf stored = BatchCompression.compress(copy, 0, ByteBufAllocator.DEFAULT);
        copy.release();
        ByteBuf heap = Unpooled.buffer(stored.readableBytes());
        heap.writeBytes(stored);
        stored.release();
        BatchFormat.writeCrc(heap, 0);
        s.batches.add(heap);
        s.batchRanges.add(rangeId);
        bySeq.put(producerSeq, s.batches.size() - 1);
        s.nextSeqByProducer.put(producerId, expected + count);
        pushToSubscribers(streamName);
        return new Object[] {"stored", new PublishResponse(rangeId, NODE, batchSeq, hlc, false, 1, 1)};
    }

    private void fetch(Channel ch, int id, FetchRequest request) {
        Stream s = streams.get(request.stream());
        if (s == null) {
            error(ch, id, ErrorCode.UNKNOWN_STREAM, "no stream " + request.stream());
            return;
        }
        int[] start = new int[1];
        RangeCursor position = startOf(s, request.start(), start);
        send(ch, FrameType.FETCH_OK, id, out -> writeData(out, s, position, start, request.maxBytes()));
    }

    private void subscribe(Channel ch, int id, FetchRequest request) {
        subscribeStarts.add(request.start());
        Stream s = streams.get(request.stream());
        if (s == null) {
            error(ch, id, ErrorCode.UNKNOWN_STREAM, "no stream " + request.stream());
            return;
        }
        int[] next = new int[1];
        RangeCursor position = startOf(s, request.start(), next);
        Subscriber sub = new Subscriber(ch, request.stream(), id, request.maxBytes(), next);
        subscribers.add(sub);
        send(ch, FrameType.SUBSCRIBE_DATA, id, out -> writeData(out, s, position, next, sub.maxBytes()));
        pushTo(sub, s);
    }

    private void pushToSubscribers(String stream) {
        Stream s = streams.get(stream);
        for (Subscriber sub : subscribers) {
            if (sub.stream().equals(stream)) {
                pushTo(sub, s);
            }
        }
    }

    private void pushTo(Subscriber sub, Stream s) {
        while (sub.nextIndex()[0] < s.batches.size()) {
            RangeCursor position = sub.nextIndex()[0] == 0
                    ? RangeCursor.beginning(0)
                    : RangeCursor.beginning(0).with(NODE, sub.nextIndex()[0], 0);
            send(
                    sub.channel(),
                    FrameType.SUBSCRIBE_DATA,
                    sub.requestId(),
                    out -> writeData(out, s, position, sub.nextIndex(), sub.maxBytes()));
        }
    }

    private void unsubscribe(Channel ch, int id, UnsubscribeRequest request) {
        subscribers.removeIf(s -> s.channel() == ch && s.requestId() == request.subscriptionId());
        send(ch, FrameType.UNSUBSCRIBE_OK, id, out -> {});
    }

    /** Where a read starts: sets {@code index[0]} to the first batch to send, returns the position before it. */
    private static RangeCursor startOf(Stream s, StartPosition start, int[] index) {
        switch (start.kind()) {
            case BEGINNING -> index[0] = 0;
            case END -> index[0] = s.batches.size();
            case TIMESTAMP -> {
                int i = 0;
                while (i < s.batches.size()
                        && BatchFormat.hlcMillis(BatchFormat.hlcTime(s.batches.get(i), 0)) < start.timestampMs()) {
                    i++;
                }
                index[0] = i;
            }
            case CURSOR -> {
                RangeCursor.Entry e = start.cursor().entry(NODE);
                index[0] = e == null ? 0 : (int) Math.min(e.batchSeq(), s.batches.size());
                return start.cursor();
            }
        }
        return index[0] == 0
                ? RangeCursor.beginning(0)
                : RangeCursor.beginning(0).with(NODE, index[0], 0);
    }

    /** Writes a DataResponse with batches from {@code index[0]} up to {@code maxBytes}; advances the index. */
    private static void writeData(ByteBuf out, Stream s, RangeCursor position, int[] index, int maxBytes) {
        int from = index[0];
        int to = from;
        int bytes = 0;
        while (to < s.batches.size()) {
            int size = s.batches.get(to).readableBytes();
            if (to > from && bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            to++;
        }
        new DataResponse(0, false, position, bytes).writePrefix(out);
        for (int i = from; i < to; i++) {
            ByteBuf b = s.batches.get(i);
            out.writeBytes(b, 0, b.readableBytes());
        }
        index[0] = to;
    }

    private MetadataResponse describe(String stream) {
        Stream s = streams.get(stream);
        return new MetadataResponse(
                NODE,
                List.of(new MetadataResponse.Node(NODE, "127.0.0.1", port())),
                List.of(new MetadataResponse.Stream(stream, s.options, ranges(s))));
    }

    private void metadata(Channel ch, int id, MetadataRequest request) {
        metadataRequests.incrementAndGet();
        for (String name : request.streams()) {
            if (!streams.containsKey(name)) {
                error(ch, id, ErrorCode.UNKNOWN_STREAM, "stream '" + name + "' does not exist");
                return;
            }
        }
        List<MetadataResponse.Stream> described = new ArrayList<>();
        for (Map.Entry<String, Stream> e : streams.entrySet()) {
            if (request.streams().isEmpty() || request.streams().contains(e.getKey())) {
                described.add(new MetadataResponse.Stream(e.getKey(), e.getValue().options, ranges(e.getValue())));
            }
        }
        MetadataResponse response =
                new MetadataResponse(NODE, List.of(new MetadataResponse.Node(NODE, "127.0.0.1", port())), described);
        send(ch, FrameType.METADATA_OK, id, response::write);
    }

    private List<MetadataResponse.Range> ranges(Stream s) {
        if (halves != null) {
            return List.of(
                    new MetadataResponse.Range(sealedRange, 0, 0xFFFFFFFFL, List.of(0), 0, 0, 0, 1, false),
                    new MetadataResponse.Range(halves[0], 0, 0x7FFFFFFFL, List.of(0), 0, 0, 0, 2, true),
                    new MetadataResponse.Range(halves[1], 0x80000000L, 0xFFFFFFFFL, List.of(0), 0, 0, 0, 2, true));
        }
        if (sealedRange < 0) {
            return List.of(
                    new MetadataResponse.Range(currentRange, 0, 0xFFFFFFFFL, List.of(0), 0, s.batches.size(), 0));
        }
        return List.of(
                new MetadataResponse.Range(sealedRange, 0, 0xFFFFFFFFL, List.of(0), 0, 0, 0, 1, false),
                new MetadataResponse.Range(currentRange, 0, 0xFFFFFFFFL, List.of(0), 0, s.batches.size(), 0, 2, true));
    }

    private void createStream(Channel ch, int id, CreateStreamRequest request) {
        Stream existing = streams.get(request.stream());
        if (existing != null && !existing.options.equals(request.options())) {
            error(ch, id, ErrorCode.STREAM_EXISTS, "exists with " + existing.options);
            return;
        }
        boolean created = existing == null;
        if (created) {
            Stream s = new Stream();
            s.options = request.options();
            streams.put(request.stream(), s);
        }
        send(ch, FrameType.CREATE_STREAM_OK, id, out -> out.writeByte(created ? 1 : 0));
    }

    private static void error(Channel ch, int id, ErrorCode code, String message) {
        send(ch, FrameType.ERROR, id, new ErrorResponse(code, message)::write);
    }

    private static void send(Channel ch, FrameType type, int id, Consumer<ByteBuf> body) {
        ByteBuf out = ch.alloc().buffer();
        int start = FrameHeader.begin(out, type, id);
        body.accept(out);
        FrameHeader.finish(out, start);
        ch.writeAndFlush(out);
    }
}
