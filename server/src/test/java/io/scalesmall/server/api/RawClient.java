package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.CreateStreamRequest;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.MetadataRequest;
import io.scalesmall.protocol.MetadataResponse;
import io.scalesmall.protocol.Protocol;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.RecordCodec;
import io.scalesmall.protocol.StreamOptions;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A blocking protocol client for tests: writes frames byte by byte as the protocol says (or as a
 * hostile peer would) and reads the answers. Not thread-safe.
 */
final class RawClient implements AutoCloseable {
    /** A received frame. */
    record Frame(FrameType type, int requestId, ByteBuf body) {
        ErrorResponse error() {
            return ErrorResponse.read(body.duplicate());
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final java.util.Map<String, Integer> ranges = new java.util.HashMap<>();

    RawClient(InetSocketAddress address) throws IOException {
        socket = new Socket(address.getAddress(), address.getPort());
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new DataInputStream(socket.getInputStream());
    }

    Socket socket() {
        return socket;
    }

    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void send(FrameType type, int requestId, java.util.function.Consumer<ByteBuf> body) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        int start = FrameHeader.begin(buf, type, requestId);
        body.accept(buf);
        FrameHeader.finish(buf, start);
        byte[] bytes = new byte[buf.readableBytes()];
        buf.readBytes(bytes);
        writeRaw(bytes);
    }

    Frame read() throws IOException {
        int length = in.readInt();
        byte[] rest = new byte[length];
        in.readFully(rest);
        ByteBuf buf = Unpooled.wrappedBuffer(rest);
        int version = buf.readUnsignedByte();
        if (version != Protocol.VERSION) {
            throw new IOException("bad version " + version);
        }
        FrameType type = FrameType.fromCode(buf.readUnsignedByte());
        buf.skipBytes(2);
        int requestId = buf.readInt();
        return new Frame(type, requestId, buf);
    }

    /** True when the server closed the connection (EOF) within the socket timeout. */
    boolean isClosedByPeer() throws IOException {
        try {
            while (true) {
                read();
            }
        } catch (EOFException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    Frame hello(DurabilityPolicy policy) throws IOException {
        send(FrameType.HELLO, 1, b -> new HelloRequest("raw-test", policy, Protocol.DEFAULT_MAX_FRAME_BYTES).write(b));
        return read();
    }

    void publish(
            int requestId,
            String stream,
            long producerId,
            long producerSeq,
            List<String> payloads,
            DurabilityPolicy override)
            throws IOException {
        int rangeId = range(stream);
        send(FrameType.PUBLISH, requestId, b -> {
            PublishRequest.writePrefix(b, stream, rangeId, override);
            writeBatch(b, producerId, producerSeq, payloads);
        });
    }

    static void writeBatch(ByteBuf b, long producerId, long producerSeq, List<String> payloads) {
        ByteBuf records = Unpooled.buffer();
        for (String p : payloads) {
            byte[] value = p.getBytes(StandardCharsets.UTF_8);
            int body = RecordCodec.bodySize(0, null, value, List.of());
            RecordCodec.write(records, body, 0, null, value, List.of());
        }
        BatchFormat.writeUnstampedHeader(b, payloads.size(), producerId, producerSeq, 1_000, records.readableBytes());
        b.writeBytes(records);
    }

    /**
     * The id of the current range of {@code stream} holding key hash 0 (a single node has one
     * range per stream): creates the stream with default options if needed and waits for its
     * range, as a client would. 0 when the stream cannot be created (an invalid name). Call it
     * before traffic that leaves answers to read.
     */
    int range(String stream) throws IOException {
        Integer known = ranges.get(stream);
        if (known != null) {
            return known;
        }
        send(FrameType.CREATE_STREAM, 900_001, b -> new CreateStreamRequest(stream, StreamOptions.DEFAULT).write(b));
        Frame created = read();
        if (created.type() == FrameType.ERROR && created.error().code() != ErrorCode.STREAM_EXISTS) {
            return 0;
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            send(FrameType.METADATA, 900_002, b -> new MetadataRequest(List.of(stream)).write(b));
            Frame answer = read();
            if (answer.type() == FrameType.METADATA_OK) {
                for (MetadataResponse.Stream st :
                        MetadataResponse.read(answer.body()).streams()) {
                    for (MetadataResponse.Range r : st.ranges()) {
                        if (r.current() && r.firstHash() == 0) {
                            ranges.put(stream, r.rangeId());
                            return r.rangeId();
                        }
                    }
                }
            }
            org.awaitility.Awaitility.await()
                    .pollDelay(java.time.Duration.ofMillis(10))
                    .until(() -> true);
        }
        throw new IOException("stream " + stream + " got no range within 10 s");
    }

    void fetch(int requestId, FetchRequest request) throws IOException {
        send(FrameType.FETCH, requestId, request::write);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
