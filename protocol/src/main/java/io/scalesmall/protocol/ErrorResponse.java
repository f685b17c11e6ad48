package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * ERROR body: the request with this frame's request id failed (for a subscription: it ended).
 *
 * <pre>
 * u16    code      {@link ErrorCode} numeric code
 * string message   human-readable detail naming what was wrong
 * [METADATA_OK body]  optional, to the end of the frame: the placement of the request's stream,
 *                     for NOT_A_REPLICA and RANGE_SEALED (a "wrong node" answer)
 * </pre>
 *
 * @param code the error
 * @param message detail
 * @param placement the current placement of the stream a misrouted publish was for, or null
 */
public record ErrorResponse(ErrorCode code, String message, MetadataResponse placement) {
    public ErrorResponse(ErrorCode code, String message) {
        this(code, message, null);
    }

    public void write(ByteBuf out) {
        out.writeShort(code.code());
        FieldCodec.writeString(out, message.length() > 4000 ? message.substring(0, 4000) : message);
        if (placement != null) {
            placement.write(out);
        }
    }

    public static ErrorResponse read(ByteBuf in) {
        FieldCodec.require(in, 2);
        ErrorCode code = ErrorCode.fromCode(in.readUnsignedShort());
        String message = FieldCodec.readString(in);
        MetadataResponse placement = in.isReadable() ? MetadataResponse.read(in) : null;
        return new ErrorResponse(code, message, placement);
    }
}
