package io.scalesmall.server.storage;

import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens the segments of a range directory after a clean shutdown or a crash, and leaves a log in
 * which every retained batch is complete and valid:
 *
 * <ul>
 *   <li>a sealed segment with a valid index file is trusted (its data was fsynced before the index
 *       was written); every other segment, and always the last one, is scanned batch by batch;
 *   <li>at the first bad or incomplete batch the file is truncated there and all later segments
 *       are deleted: nothing after a torn write can have been acknowledged as durable, and nothing
 *       before it is lost;
 *   <li>segments must continue each other's indexes. A gap means older segments whose deletion by
 *       retention was cut short by the crash: the segments before the gap are deleted. An overlap
 *       cannot come from this code; the later segments are deleted;
 *   <li>scanned segments are fsynced (after a process crash their pages may still be only in the
 *       page cache) and sealed ones get their index file, so the whole recovered log is durable.
 * </ul>
 *
 * Stateless; thread-safe.
 */
final class LogRecovery {
    private static final System.Logger LOG = System.getLogger(LogRecovery.class.getName());
    private static final Pattern SEGMENT_FILE = Pattern.compile("(\\d{20})(\\.log|\\.index)");

    private LogRecovery() {}

    /** The segments of the log in {@code directory}, oldest first, the last one ACTIVE. */
    static List<Segment> recover(Path directory, StorageConfig config, ByteBufAllocator allocator) throws IOException {
        List<Path> created = new ArrayList<>();
        for (Path d = directory.toAbsolutePath(); d != null && !Files.isDirectory(d); d = d.getParent()) {
            created.add(d);
        }
        Files.createDirectories(directory);
        TreeSet<Long> logBases = new TreeSet<>();
        TreeSet<Long> indexBases = new TreeSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                Matcher m = SEGMENT_FILE.matcher(file.getFileName().toString());
                if (m.matches()) {
                    (m.group(2).equals(Segment.LOG_SUFFIX) ? logBases : indexBases).add(Long.parseLong(m.group(1)));
                }
            }
        }
        for (long base : indexBases) {
            if (!logBases.contains(base)) {
                Files.deleteIfExists(directory.resolve(Segment.fileName(base, Segment.INDEX_SUFFIX)));
            }
        }
        List<Segment> kept = new ArrayList<>();
        try {
            List<Boolean> trusted = open(directory, new ArrayList<>(logBases), config, allocator, kept);
            if (kept.isEmpty()) {
                kept.add(Segment.create(directory, 1, config));
                trusted.add(false);
            }
            finish(kept, trusted, config);
        } catch (IOException | RuntimeException e) {
            kept.forEach(Segment::release);
            throw e;
        }
        FileIo.forceDirectory(directory);
        for (Path d : created) {
            FileIo.forceDirectory(d.getParent()); // makes the new directory's entry durable
        }
        return kept;
    }

    /** Opens, checks and trims segments into {@code kept}; returns which were trusted. */
    private static List<Boolean> open(
            Path directory, List<Long> bases, StorageConfig config, ByteBufAllocator allocator, List<Segment> kept)
            throws IOException {
        List<Boolean> trusted = new ArrayList<>();
        for (int i = 0; i < bases.size(); i++) {
            long base = bases.get(i);
            if (!kept.isEmpty()) {
                long expected = kept.get(kept.size() - 1).lastIndex() + 1;
                if (base > expected) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            directory + ": segments end at " + (expected - 1) + " and resume at " + base
                                    + "; deleting the older ones");
                    kept.forEach(LogRecovery::discard);
                    kept.clear();
                    trusted.clear();
                } else if (base < expected) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            directory + ": segment " + base + " overlaps index " + (expected - 1)
                                    + "; deleting it and later ones");
                    deleteFrom(directory, bases, i);
                    break;
                }
            }
            Segment segment = Segment.openExisting(directory, base, config);
            kept.add(segment);
            boolean last = i == bases.size() - 1;
            if (!last && SegmentIndexFile.load(segment, config.fileOpener())) {
                trusted.add(true);
                continue;
            }
            trusted.add(false);
            Files.deleteIfExists(segment.indexPath());
            SegmentScanner.Result scan = SegmentScanner.scan(segment, allocator);
            if (scan.problem() != null) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        segment.logPath() + ": " + scan.problem()
                                + "; truncating " + (segment.channel().size() - scan.validBytes()) + " bytes at "
                                + scan.validBytes() + " and deleting " + (bases.size() - i - 1) + " later segments");
                // Later segments go first, durably: until the truncation below is done, a crash leaves
                // the torn tail in place to be found again, never a gap that would look like retention.
                deleteFrom(directory, bases, i + 1);
                FileIo.forceDirectory(directory);
                segment.truncate(scan.validBytes());
                segment.forceAll();
                break;
            }
            segment.forceAll();
        }
        return trusted;
    }

    /** Seals and indexes all but the last segment; the last one takes appends. */
    private static void finish(List<Segment> kept, List<Boolean> trusted, StorageConfig config) throws IOException {
        for (int i = 0; i < kept.size() - 1; i++) {
            Segment segment = kept.get(i);
            segment.seal();
            if (trusted.get(i)) {
                segment.markIndexed();
            } else {
                try {
                    segment.writeIndexFile(config.fileOpener());
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "writing " + segment.indexPath() + "; will retry", e);
                }
            }
        }
        Files.deleteIfExists(kept.get(kept.size() - 1).indexPath());
    }

    private static void discard(Segment segment) {
        segment.release();
        try {
            Files.deleteIfExists(segment.indexPath());
            Files.deleteIfExists(segment.logPath());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "deleting " + segment.logPath(), e);
        }
    }

    private static void deleteFrom(Path directory, List<Long> bases, int from) throws IOException {
        for (int i = bases.size() - 1; i >= from; i--) {
            Files.deleteIfExists(directory.resolve(Segment.fileName(bases.get(i), Segment.INDEX_SUFFIX)));
            Files.deleteIfExists(directory.resolve(Segment.fileName(bases.get(i), Segment.LOG_SUFFIX)));
        }
    }
}
