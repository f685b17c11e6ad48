package io.scalesmall.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.scalesmall.protocol.FrameHeader;
import io.scalesmall.protocol.FrameType;
import io.scalesmall.protocol.Protocol;
import java.lang.System.Logger.Level;

/**
 * The last pipeline stage of every client connection: checks each frame's version and type and
 * hands it to its connection's {@link Listener} with the reader index at the body. A frame that
 * breaks the protocol, or a listener that throws while reading one, closes the connection (its
 * owner then reconnects).
 *
 * <p>Runs on the channel's event loop; one instance per channel.
 */
final class FrameHandler extends ChannelInboundHandlerAdapter {
    private static final System.Logger LOG = System.getLogger(FrameHandler.class.getName());

    /** What a connection owner receives; every method runs on the channel's event loop. */
    interface Listener {
        /** The connection is established. */
        void onActive(Channel channel);

        /**
         * One frame; {@code frame}'s reader index is at the body. The frame is released after the
         * call: retain it to keep it.
         */
        void onFrame(Channel channel, FrameType type, int requestId, ByteBuf frame);

        /** The end of one read from the socket: a good moment to flush. */
        default void onReadComplete(Channel channel) {}

        /** The connection is closed. */
        void onInactive(Channel channel);
    }

    private final Listener listener;

    FrameHandler(Listener listener) {
        this.listener = listener;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        listener.onActive(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (frame.readableBytes() < FrameHeader.BYTES) {
                protocolError(ctx, "frame shorter than its header");
                return;
            }
            int version = FrameHeader.version(frame);
            if (version != Protocol.VERSION) {
                protocolError(ctx, "unsupported protocol version " + version);
                return;
            }
            FrameType type = FrameType.fromCode(FrameHeader.typeCode(frame));
            if (type == null) {
                protocolError(ctx, "unknown frame type " + FrameHeader.typeCode(frame));
                return;
            }
            int requestId = FrameHeader.requestId(frame);
            FrameHeader.skip(frame);
            listener.onFrame(ctx.channel(), type, requestId, frame);
        } catch (RuntimeException e) {
            protocolError(ctx, "cannot handle frame: " + e);
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        listener.onReadComplete(ctx.channel());
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        listener.onInactive(ctx.channel());
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, "closing connection to {0}: {1}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private static void protocolError(ChannelHandlerContext ctx, String why) {
        LOG.log(Level.WARNING, "closing connection to {0}: {1}", ctx.channel().remoteAddress(), why);
        ctx.close();
    }
}
