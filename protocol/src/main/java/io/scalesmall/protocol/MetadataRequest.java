package io.scalesmall.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * METADATA body: which streams to describe.
 *
 * <pre>
 * u16 count          0 = every stream
 *   string stream    (count times)
 * </pre>
 *
 * @param streams streams to describe; empty for all
 */
public record MetadataRequest(List<String> streams) {
    public MetadataRequest {
        streams = List.copyOf(streams);
    }

    public void write(ByteBuf out) {
        out.writeShort(streams.size());
        for (String s : streams) {
            FieldCodec.writeString(out, s);
        }
    }

    public static MetadataRequest read(ByteBuf in) {
        FieldCodec.require(in, 2);
        int n = in.readUnsignedShort();
        List<String> streams = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            streams.add(FieldCodec.readString(in));
        }
        return new MetadataRequest(streams);
    }
}
