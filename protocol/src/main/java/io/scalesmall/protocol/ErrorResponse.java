package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * ERROR body: the request with this frame's request id failed (for a subscription: it ended).
 *
 * <pre>
 * u16    code      {@link ErrorCode} numeric code
 * string message   human-readable detail naming what was wrong
 * </pre>
 *
 * @param code the error
 * @param message detail
 */
public record ErrorResponse(ErrorCode code, String message) {
    public void write(ByteBuf out) {
        out.writeShort(code.code());
        FieldCodec.writeString(out, message.length() > 4000 ? message.substring(0, 4000) : message);
    }

    public static ErrorResponse read(ByteBuf in) {
        FieldCodec.require(in, 2);
        ErrorCode code = ErrorCode.fromCode(in.readUnsignedShort());
        return new ErrorResponse(code, FieldCodec.readString(in));
    }
}
