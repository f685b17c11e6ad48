package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;

/**
 * CREATE_STREAM body: create a stream with explicit options. Creating a stream that exists with
 * the same options succeeds (created = 0); with other options it fails with STREAM_EXISTS.
 *
 * <pre>
 * string        stream
 * StreamOptions options
 * </pre>
 *
 * <p>CREATE_STREAM_OK body: {@code u8 created} (1 when this request created it).
 *
 * @param stream stream name
 * @param options options
 */
public record CreateStreamRequest(String stream, StreamOptions options) {
    public void write(ByteBuf out) {
        FieldCodec.writeString(out, stream);
        options.write(out);
    }

    public static CreateStreamRequest read(ByteBuf in) {
        return new CreateStreamRequest(FieldCodec.readString(in), StreamOptions.read(in));
    }
}
