package io.scalesmall.server.placement;

import io.scalesmall.protocol.StreamNames;
import io.scalesmall.protocol.StreamOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The streams this node knows, their options and their ranges, persisted under
 * {@code <data>/streams/<name>/stream.properties}. Today every stream has one range, id 0,
 * covering the whole key space; placement across nodes arrives with clustering.
 *
 * <p>Written only by the data agent thread; read from any thread (the map is concurrent and its
 * values immutable).
 */
public final class StreamCatalog {
    /** The id of the single range each stream has today. */
    public static final int WHOLE_RANGE_ID = 0;

    /**
     * A range of a stream.
     *
     * @param rangeId range id
     * @param firstHash first key hash, unsigned
     * @param lastHash last key hash, unsigned, inclusive
     */
    public record RangeDescriptor(int rangeId, long firstHash, long lastHash) {}

    /**
     * A stream.
     *
     * @param name stream name
     * @param options its options
     * @param ranges its ranges
     */
    public record StreamDescriptor(String name, StreamOptions options, List<RangeDescriptor> ranges) {
        /** The range with this id, or null. */
        public RangeDescriptor range(int rangeId) {
            for (RangeDescriptor r : ranges) {
                if (r.rangeId == rangeId) {
                    return r;
                }
            }
            return null;
        }
    }

    private static final String OPTIONS_FILE = "stream.properties";
    private static final List<RangeDescriptor> WHOLE = List.of(new RangeDescriptor(WHOLE_RANGE_ID, 0, 0xFFFF_FFFFL));

    private final Path streamsDir;
    private final Map<String, StreamDescriptor> streams = new ConcurrentHashMap<>();

    private StreamCatalog(Path streamsDir) {
        this.streamsDir = streamsDir;
    }

    /** Loads every stream persisted under {@code streamsDir}, creating the directory if needed. */
    public static StreamCatalog load(Path streamsDir) throws IOException {
        Files.createDirectories(streamsDir);
        StreamCatalog catalog = new StreamCatalog(streamsDir);
        try (Stream<Path> dirs = Files.list(streamsDir)) {
            for (Path dir : (Iterable<Path>) dirs::iterator) {
                Path file = dir.resolve(OPTIONS_FILE);
                if (Files.isRegularFile(file)) {
                    String name = dir.getFileName().toString();
                    catalog.streams.put(name, new StreamDescriptor(name, readOptions(file), WHOLE));
                }
            }
        }
        return catalog;
    }

    /** The stream, or null when it does not exist. */
    public StreamDescriptor get(String name) {
        return streams.get(name);
    }

    /** Every stream. */
    public Collection<StreamDescriptor> all() {
        return new ArrayList<>(streams.values());
    }

    /** The directory holding every stream. */
    public Path streamsDir() {
        return streamsDir;
    }

    /** Directory of a range's log. */
    public Path rangeDir(String stream, int rangeId) {
        return streamsDir.resolve(stream).resolve(Integer.toString(rangeId));
    }

    /**
     * Creates a stream (data agent thread only).
     *
     * @return the new descriptor
     */
    public StreamDescriptor create(String name, StreamOptions options) throws IOException {
        StreamNames.validate(name);
        Path dir = streamsDir.resolve(name);
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("replication.factor", Integer.toString(options.replicationFactor()));
        p.setProperty("retention.ms", Long.toString(options.retentionMs()));
        p.setProperty("retention.bytes", Long.toString(options.retentionBytes()));
        Path tmp = dir.resolve(OPTIONS_FILE + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "ScaleSmall stream options");
        }
        Files.move(tmp, dir.resolve(OPTIONS_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StreamDescriptor descriptor = new StreamDescriptor(name, options, WHOLE);
        streams.put(name, descriptor);
        return descriptor;
    }

    private static StreamOptions readOptions(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return new StreamOptions(
                Integer.parseInt(p.getProperty("replication.factor", "3")),
                Long.parseLong(p.getProperty("retention.ms", "-1")),
                Long.parseLong(p.getProperty("retention.bytes", "-1")));
    }
}
