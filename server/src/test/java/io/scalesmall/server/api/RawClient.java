package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DurabilityPolicy;
import io.scalesmall.protocol.ErrorResponse;
import io.scalesmall.protocol.FetchRequest;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.HelloRequest;
import io.scalesmall.protocol.Protocol;
import io.scalesmall.protocol.PublishRequest;
import io.scalesmall.protocol.RecordCodec;
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
        send(FrameType.PUBLISH, requestId, b -> {
            PublishRequest.writePrefix(b, stream, 0, override);
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

    void fetch(int requestId, FetchRequest request) throws IOException {
        send(FrameType.FETCH, requestId, request::write);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
