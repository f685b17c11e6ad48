package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.scalesmall.protocol.ErrorCode;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.Protocol;
import java.util.List;

/**
 * Cuts the byte stream into frames (retained slices, length prefix included) and turns framing
 * problems into {@link BadFrame} messages for the connection handler:
 *
 * <ul>
 *   <li>a frame over the limit is reported with its request id and its bytes are skipped, so the
 *       connection stays usable;
 *   <li>an unknown version or a length too small to hold a header is reported as fatal: the
 *       stream cannot be trusted after it, so the handler answers and closes.
 * </ul>
 *
 * <p>One instance per channel; runs on its event loop.
 */
final class FrameDecoder extends ByteToMessageDecoder {
    /**
     * A frame that was not delivered.
     *
     * @param requestId the frame's request id, 0 when unknown
     * @param code what was wrong
     * @param message detail for the peer
     * @param fatal whether the connection must close
     */
    record BadFrame(int requestId, ErrorCode code, String message, boolean fatal) {}

    /** Room peer frames get beyond the client limit: a forwarded batch carries a range descriptor. */
    static final int PEER_FRAME_SLACK_BYTES = 64 * 1024;

    private int maxFrameBytes;
    private long discardBytes;
    private boolean failed;

    FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    /** After an authenticated PEER_HELLO: frames may carry a client's largest batch plus a header. */
    void allowPeerFrames() {
        this.maxFrameBytes += PEER_FRAME_SLACK_BYTES;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (true) {
            if (discardBytes > 0) {
                int n = (int) Math.min(discardBytes, in.readableBytes());
                in.skipBytes(n);
                discardBytes -= n;
                if (discardBytes > 0) {
                    return;
                }
            }
            if (in.readableBytes() < FrameHeader.LENGTH_FIELD_BYTES) {
                return;
            }
            int at = in.readerIndex();
            long length = in.getUnsignedInt(at);
            if (length < FrameHeader.BYTES - FrameHeader.LENGTH_FIELD_BYTES) {
                fail(
                        in,
                        out,
                        0,
                        ErrorCode.MALFORMED_FRAME,
                        "frame length " + length + " is shorter than a frame header");
                return;
            }
            if (in.readableBytes() < FrameHeader.BYTES) {
                return;
            }
            int requestId = in.getInt(at + FrameHeader.REQUEST_ID_OFFSET);
            int version = in.getUnsignedByte(at + FrameHeader.VERSION_OFFSET);
            if (version != Protocol.VERSION) {
                fail(
                        in,
                        out,
                        requestId,
                        ErrorCode.UNSUPPORTED_VERSION,
                        "protocol version " + version + " is not supported; this node speaks version "
                                + Protocol.VERSION);
                return;
            }
            long total = length + FrameHeader.LENGTH_FIELD_BYTES;
            if (total > maxFrameBytes) {
                out.add(new BadFrame(
                        requestId,
                        ErrorCode.FRAME_TOO_LARGE,
                        "frame of " + total + " bytes exceeds the maximum of " + maxFrameBytes + " bytes",
                        false));
                discardBytes = total;
                continue;
            }
            if (in.readableBytes() < total) {
                return;
            }
            out.add(in.readRetainedSlice((int) total));
        }
    }

    private void fail(ByteBuf in, List<Object> out, int requestId, ErrorCode code, String message) {
        failed = true;
        in.skipBytes(in.readableBytes());
        out.add(new BadFrame(requestId, code, message, true));
    }
}
