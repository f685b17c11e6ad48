package io.scalesmall.server.placement;

import io.scalesmall.protocol.NodeId;
import io.scalesmall.protocol.StreamNames;
import io.scalesmall.protocol.StreamOptions;
import io.scalesmall.server.cluster.RangeClaim;
import io.scalesmall.server.cluster.StreamClaim;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * What this node holds, as it will claim it: the streams it knows and the ranges it holds data of,
 * persisted under {@code <data>/streams} so that a restarted node claims them again.
 *
 * <pre>
 * streams/&lt;name&gt;/stream.properties             replication.factor, retention.ms, retention.bytes,
 *                                             initial.ranges, created.hlc
 * streams/&lt;name&gt;/&lt;rangeId&gt;/range.properties   start.hash, end.hash, since.hlc, replicas, sealed
 * streams/&lt;name&gt;/&lt;rangeId&gt;/*.log, *.index      the range's log (storage package)
 * </pre>
 *
 * <p>Files are replaced atomically (write, fsync, rename). A range directory without {@code
 * range.properties} (written before ranges had descriptors) is read as a range over the whole key
 * space with this node as its only replica.
 *
 * <p>Thread-safe: reads from any thread (concurrent maps of immutable values); writes are
 * serialized.
 */
public final class StreamCatalog {
    private static final String STREAM_FILE = "stream.properties";
    private static final String RANGE_FILE = "range.properties";

    private final Path streamsDir;
    private final Map<String, StreamClaim> streams = new ConcurrentHashMap<>();
    private final Map<String, RangeClaim> ranges = new ConcurrentHashMap<>();

    private StreamCatalog(Path streamsDir) {
        this.streamsDir = streamsDir;
    }

    /** Loads what {@code self} holds under {@code streamsDir}, creating the directory if needed. */
    public static StreamCatalog load(Path streamsDir, NodeId self) throws IOException {
        Files.createDirectories(streamsDir);
        StreamCatalog catalog = new StreamCatalog(streamsDir);
        try (Stream<Path> dirs = Files.list(streamsDir)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                Path file = dir.resolve(STREAM_FILE);
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                String name = dir.getFileName().toString();
                catalog.streams.put(name, readStream(name, file));
                try (Stream<Path> rangeDirs = Files.list(dir)) {
                    for (Path rangeDir : (Iterable<Path>) rangeDirs::iterator) {
                        Integer id = rangeIdOf(rangeDir);
                        if (id != null) {
                            RangeClaim range = readRange(name, id, rangeDir.resolve(RANGE_FILE), self);
                            catalog.ranges.put(key(name, id), range);
                        }
                    }
                }
            }
        }
        return catalog;
    }

    private static Integer rangeIdOf(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try {
            int id = Integer.parseInt(dir.getFileName().toString());
            return id >= 0 ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The stream, or null when this node does not know it. */
    public StreamClaim stream(String name) {
        return streams.get(name);
    }

    /** Every stream this node knows. */
    public Collection<StreamClaim> streams() {
        return new ArrayList<>(streams.values());
    }

    /** A range this node holds, or null. */
    public RangeClaim range(String stream, int rangeId) {
        return ranges.get(key(stream, rangeId));
    }

    /** Every range this node holds. */
    public Collection<RangeClaim> ranges() {
        return new ArrayList<>(ranges.values());
    }

    /** The directory holding every stream. */
    public Path streamsDir() {
        return streamsDir;
    }

    /** Directory of a range's log. */
    public Path rangeDir(String stream, int rangeId) {
        return streamsDir.resolve(stream).resolve(Integer.toString(rangeId));
    }

    /** Records (or replaces) a stream definition. */
    public synchronized void putStream(StreamClaim stream) throws IOException {
        StreamNames.validate(stream.stream());
        if (stream.equals(streams.get(stream.stream()))) {
            return;
        }
        Path dir = streamsDir.resolve(stream.stream());
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("replication.factor", Integer.toString(stream.replicationFactor()));
        p.setProperty("retention.ms", Long.toString(stream.retentionMs()));
        p.setProperty("retention.bytes", Long.toString(stream.retentionBytes()));
        p.setProperty("initial.ranges", Integer.toString(stream.initialRanges()));
        p.setProperty("created.hlc", Long.toString(stream.createdHlc()));
        writeAtomically(dir.resolve(STREAM_FILE), p, "ScaleSmall stream");
        streams.put(stream.stream(), stream);
    }

    /** Records (or replaces: sealing) a range this node holds; its stream must be known. */
    public synchronized void putRange(RangeClaim range) throws IOException {
        if (!streams.containsKey(range.stream())) {
            throw new IllegalStateException("range " + range.rangeId() + " of unknown stream " + range.stream());
        }
        if (range.equals(ranges.get(key(range.stream(), range.rangeId())))) {
            return;
        }
        Path dir = rangeDir(range.stream(), range.rangeId());
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("start.hash", Long.toString(range.startHash()));
        p.setProperty("end.hash", Long.toString(range.endHash()));
        p.setProperty("since.hlc", Long.toString(range.sinceHlc()));
        List<String> replicas = new ArrayList<>();
        range.replicas().forEach(r -> replicas.add(r.toString()));
        p.setProperty("replicas", String.join(",", replicas));
        p.setProperty("sealed", Boolean.toString(range.sealed()));
        writeAtomically(dir.resolve(RANGE_FILE), p, "ScaleSmall range");
        ranges.put(key(range.stream(), range.rangeId()), range);
    }

    /** Options of a stream as the data path uses them. */
    public static StreamOptions options(StreamClaim stream) {
        return new StreamOptions(stream.replicationFactor(), stream.retentionMs(), stream.retentionBytes());
    }

    private static void writeAtomically(Path file, Properties p, String comment) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, comment);
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the rename is still atomic.
        }
    }

    private static StreamClaim readStream(String name, Path file) throws IOException {
        Properties p = load(file);
        return new StreamClaim(
                name,
                Integer.parseInt(p.getProperty("replication.factor", "3")),
                Long.parseLong(p.getProperty("retention.ms", "-1")),
                Long.parseLong(p.getProperty("retention.bytes", "-1")),
                Integer.parseInt(p.getProperty("initial.ranges", "1")),
                Long.parseLong(p.getProperty("created.hlc", "0")));
    }

    private static RangeClaim readRange(String stream, int rangeId, Path file, NodeId self) throws IOException {
        if (!Files.isRegularFile(file)) {
            return new RangeClaim(stream, rangeId, 0, RangeClaim.KEY_SPACE, 0, List.of(self), false);
        }
        Properties p = load(file);
        List<NodeId> replicas = new ArrayList<>();
        for (String r : p.getProperty("replicas", "").split(",")) {
            if (!r.isBlank()) {
                replicas.add(NodeId.parse(r.trim()));
            }
        }
        return new RangeClaim(
                stream,
                rangeId,
                Long.parseLong(p.getProperty("start.hash")),
                Long.parseLong(p.getProperty("end.hash")),
                Long.parseLong(p.getProperty("since.hlc", "0")),
                replicas,
                Boolean.parseBoolean(p.getProperty("sealed", "false")));
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    private static String key(String stream, int rangeId) {
        return stream + "/" + rangeId;
    }
}
