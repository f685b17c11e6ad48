package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * PEER_HELLO body: the first frame on a connection a node opens to another node, in place of
 * HELLO. It names the node and proves it holds the cluster key, so only members of the cluster
 * can replicate data into a node.
 *
 * <pre>
 * 16 bytes from          the connecting node
 * i64      timestampMs   its wall clock; refused when more than 60 s away from the receiver's
 * 32 bytes mac           HMAC-SHA256 under the cluster key of the 24 bytes above
 * </pre>
 *
 * @param from the connecting node
 * @param timestampMs the connecting node's wall clock
 * @param mac the proof
 */
public record PeerHello(NodeId from, long timestampMs, byte[] mac) {
    /** Size of the MAC. */
    public static final int MAC_BYTES = 32;

    /** Bytes the MAC covers. */
    public static final int SIGNED_BYTES = NodeId.BYTES + 8;

    public PeerHello {
        if (mac.length != MAC_BYTES) {
            throw new IllegalArgumentException("a peer hello MAC is " + MAC_BYTES + " bytes");
        }
    }

    /** The bytes the MAC covers. */
    public static void writeSigned(ByteBuf out, NodeId from, long timestampMs) {
        from.write(out);
        out.writeLong(timestampMs);
    }

    public void write(ByteBuf out) {
        writeSigned(out, from, timestampMs);
        out.writeBytes(mac);
    }

    public static PeerHello read(ByteBuf in) {
        FieldCodec.require(in, SIGNED_BYTES + MAC_BYTES);
        NodeId from = NodeId.read(in);
        long timestampMs = in.readLong();
        byte[] mac = new byte[MAC_BYTES];
        in.readBytes(mac);
        return new PeerHello(from, timestampMs, mac);
    }
}
