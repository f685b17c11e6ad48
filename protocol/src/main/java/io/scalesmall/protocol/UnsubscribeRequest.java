package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * UNSUBSCRIBE body: end the subscription started by the SUBSCRIBE with this request id. Answered
 * by an empty UNSUBSCRIBE_OK; no SUBSCRIBE_DATA for it follows the answer.
 *
 * <pre>
 * i32 subscriptionId   request id of the SUBSCRIBE
 * </pre>
 *
 * @param subscriptionId request id of the SUBSCRIBE
 */
public record UnsubscribeRequest(int subscriptionId) {
    public void write(ByteBuf out) {
        out.writeInt(subscriptionId);
    }

    public static UnsubscribeRequest read(ByteBuf in) {
        FieldCodec.require(in, 4);
        return new UnsubscribeRequest(in.readInt());
    }
}
