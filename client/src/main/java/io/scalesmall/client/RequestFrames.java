package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import java.util.function.Consumer;

/**
 * Encodes whole request frames other than PUBLISH (which {@link ProducerBatch} builds in place).
 *
 * <p>Stateless; thread-safe.
 */
final class RequestFrames {
    private RequestFrames() {}

    /** A frame of {@code type} whose body {@code body} writes (a protocol record's {@code write}). */
    static ByteBuf encode(ByteBufAllocator allocator, FrameType type, int requestId, Consumer<ByteBuf> body) {
        ByteBuf out = allocator.buffer(256);
        try {
            int start = FrameHeader.begin(out, type, requestId);
            body.accept(out);
            FrameHeader.finish(out, start);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
