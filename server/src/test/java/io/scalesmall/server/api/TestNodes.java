package io.scalesmall.server.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.scalesmall.protocol.BatchCompression;
import io.scalesmall.protocol.BatchFormat;
import io.scalesmall.protocol.DataResponse;
import io.scalesmall.protocol.RangeCursor;
import io.scalesmall.protocol.RecordReader;
import io.scalesmall.server.Node;
import io.scalesmall.server.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/** Starting nodes and decoding read responses in tests. */
final class TestNodes {
    private TestNodes() {}

    static Node start(Path dir, String... settings) throws Exception {
        Properties p = new Properties();
        for (int i = 0; i + 1 < settings.length; i += 2) {
            p.setProperty(settings[i], settings[i + 1]);
        }
        return Node.start(NodeConfig.defaults(dir, "127.0.0.1", 0).with(p));
    }

    /** The payloads (as UTF-8) of a FETCH_OK/SUBSCRIBE_DATA body, honouring the position's skip. */
    /**
     * The payloads a client would deliver from a FETCH_OK or SUBSCRIBE_DATA body: batches the
     * position covers, the first {@code skip} messages of the batch after an entry, and batches
     * flagged as duplicates are left out.
     */
    static List<String> payloads(ByteBuf body) {
        ByteBuf b = body.duplicate();
        DataResponse prefix = DataResponse.readPrefix(b);
        List<String> out = new ArrayList<>();
        ByteBuf records = Unpooled.buffer();
        RecordReader reader = new RecordReader();
        while (b.isReadable()) {
            int at = b.readerIndex();
            int total = BatchFormat.totalBytes(b, at);
            RangeCursor.Entry entry = prefix.position().entry(BatchFormat.coordinator(b, at));
            long seq = BatchFormat.batchSeq(b, at);
            if ((entry != null && seq <= entry.batchSeq()) || BatchFormat.isDuplicate(b, at)) {
                b.skipBytes(total);
                continue;
            }
            int skip = entry != null && seq == entry.batchSeq() + 1 ? entry.skip() : 0;
            BatchCompression.decompressRecords(b, at, records);
            reader.reset(records, 0, records.readableBytes(), BatchFormat.baseTimestamp(b, at), Integer.MAX_VALUE);
            while (reader.next()) {
                if (skip > 0) {
                    skip--;
                    continue;
                }
                out.add(new String(reader.valueBytes(), StandardCharsets.UTF_8));
            }
            b.skipBytes(total);
        }
        return out;
    }
}
