package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * PEER_HELLO body: the first frame on a connection a node opens to another node, in place of
 * HELLO. It names the node and proves it holds the cluster key, so only members of the cluster
 * can replicate data into a node. It names the node it is for, and a nonce makes it unique: a
 * receiver takes only hellos for itself, each once, so one recorded off the wire cannot open
 * another connection, to that node or any other.
 *
 * <pre>
 * 16 bytes from          the connecting node
 * 16 bytes to            the node it connects to
 * i64      timestampMs   its wall clock; refused when more than 60 s away from the receiver's
 * 16 bytes nonce         random, new for every hello
 * 32 bytes mac           HMAC-SHA256 under the cluster key of the 56 bytes above
 * </pre>
 *
 * @param from the connecting node
 * @param to the node it connects to
 * @param timestampMs the connecting node's wall clock
 * @param nonce random bytes of this hello
 * @param mac the proof
 */
public record PeerHello(NodeId from, NodeId to, long timestampMs, byte[] nonce, byte[] mac) {
    /** Size of the MAC. */
    public static final int MAC_BYTES = 32;

    /** Size of the nonce. */
    public static final int NONCE_BYTES = 16;

    /** Bytes the MAC covers. */
    public static final int SIGNED_BYTES = 2 * NodeId.BYTES + 8 + NONCE_BYTES;

    public PeerHello {
        if (mac.length != MAC_BYTES || nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException(
                    "a peer hello has a " + NONCE_BYTES + "-byte nonce and a " + MAC_BYTES + "-byte MAC");
        }
        nonce = nonce.clone();
        mac = mac.clone();
    }

    /** The bytes the MAC covers. */
    public static void writeSigned(ByteBuf out, NodeId from, NodeId to, long timestampMs, byte[] nonce) {
        from.write(out);
        to.write(out);
        out.writeLong(timestampMs);
        out.writeBytes(nonce, 0, NONCE_BYTES);
    }

    public void write(ByteBuf out) {
        writeSigned(out, from, to, timestampMs, nonce);
        out.writeBytes(mac);
    }

    public static PeerHello read(ByteBuf in) {
        FieldCodec.require(in, SIGNED_BYTES + MAC_BYTES);
        NodeId from = NodeId.read(in);
        NodeId to = NodeId.read(in);
        long timestampMs = in.readLong();
        byte[] nonce = new byte[NONCE_BYTES];
        in.readBytes(nonce);
        byte[] mac = new byte[MAC_BYTES];
        in.readBytes(mac);
        return new PeerHello(from, to, timestampMs, nonce, mac);
    }
}
