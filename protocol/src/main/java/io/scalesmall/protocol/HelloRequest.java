package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * HELLO body: the first request on every connection. It names the client and sets the session's
 * durability policy; the server refuses a policy the cluster cannot hold.
 *
 * <pre>
 * string clientId          u16 length + UTF-8, for logs and metrics
 * u8     memoryCopies      session policy
 * u8     diskCopies
 * i32    maxFrameBytes     largest frame the client accepts
 * [string token]           optional: the client's credential, for a node that requires one
 * </pre>
 *
 * @param clientId free-form client name
 * @param policy the session's durability policy
 * @param maxFrameBytes largest frame the client accepts
 * @param token the credential, or null
 */
public record HelloRequest(String clientId, DurabilityPolicy policy, int maxFrameBytes, String token) {
    /** A HELLO without a credential. */
    public HelloRequest(String clientId, DurabilityPolicy policy, int maxFrameBytes) {
        this(clientId, policy, maxFrameBytes, null);
    }

    public void write(ByteBuf out) {
        FieldCodec.writeString(out, clientId);
        out.writeByte(policy.memoryCopies());
        out.writeByte(policy.diskCopies());
        out.writeInt(maxFrameBytes);
        if (token != null) {
            FieldCodec.writeString(out, token);
        }
    }

    public static HelloRequest read(ByteBuf in) {
        String clientId = FieldCodec.readString(in);
        FieldCodec.require(in, 6);
        int memory = in.readUnsignedByte();
        int disk = in.readUnsignedByte();
        int maxFrameBytes = in.readInt();
        String token = in.isReadable() ? FieldCodec.readString(in) : null;
        return new HelloRequest(clientId, new DurabilityPolicy(memory, disk), maxFrameBytes, token);
    }

    /** Never the token: HELLOs end up in logs. */
    @Override
    public String toString() {
        return "HelloRequest[clientId=" + clientId + ", policy=" + policy + ", maxFrameBytes=" + maxFrameBytes
                + ", token=" + (token == null ? "none" : "(given)") + "]";
    }
}
