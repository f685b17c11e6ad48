package io.scalesmall.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The {@code <base>.index} file of a sealed segment: its sparse index and summary, so that opening
 * a log does not rescan sealed segments. Written only after the segment is fsynced; checked by its
 * own CRC and against the segment file's size, and rebuilt by a scan whenever it does not check
 * out, so it needs no fsync of its own. Stateless; thread-safe.
 *
 * <pre>
 * offset size field (big-endian)
 *   0     4   magic          'SSIX'
 *   4     4   version        1
 *   8     8   baseIndex      first log index of the segment
 *  16     8   lastIndex      last log index of the segment
 *  24     8   sizeBytes      length of the segment file
 *  32     8   lastHlcTime    hlcTime of the last batch
 *  40     4   entryCount     n, at least 1
 *  44   16n   entries        (i32 index - baseIndex, i32 file position, i64 hlcTime)
 *  44+16n 4   crc            CRC32C of the bytes before it
 * </pre>
 */
final class SegmentIndexFile {
    private static final System.Logger LOG = System.getLogger(SegmentIndexFile.class.getName());
    private static final int MAGIC = 0x53534958;
    private static final int VERSION = 1;
    private static final int HEADER_BYTES = 44;
    private static final int ENTRY_BYTES = 16;
    private static final int CRC_BYTES = 4;

    private SegmentIndexFile() {}

    static void write(Segment segment, FileOpener opener) throws IOException {
        SparseIndex index = segment.sparseIndex();
        int n = index.count();
        long base = segment.baseIndex();
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + n * ENTRY_BYTES + CRC_BYTES);
        out.putInt(MAGIC).putInt(VERSION).putLong(base).putLong(segment.lastIndex());
        out.putLong(segment.sizeBytes()).putLong(segment.lastHlcTime()).putInt(n);
        for (int slot = 0; slot < n; slot++) {
            out.putInt((int) (index.index(slot) - base));
            out.putInt((int) index.position(slot));
            out.putLong(index.hlcTime(slot));
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        out.flip();
        Path path = segment.indexPath();
        try (FileChannel channel = opener.open(
                path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException e) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Restores {@code segment} (freshly opened, still empty) from its index file if that file
     * exists and checks out against the segment file.
     *
     * @return whether the segment was restored; if not, the caller must scan it
     */
    static boolean load(Segment segment, FileOpener opener) {
        Path path = segment.indexPath();
        if (!Files.exists(path)) {
            return false;
        }
        try {
            ByteBuffer in = readAll(path, opener);
            String problem = check(in, segment.baseIndex(), segment.channel().size());
            if (problem != null) {
                LOG.log(System.Logger.Level.WARNING, "rebuilding index " + path + ": " + problem);
                return false;
            }
            int n = in.getInt(40);
            long base = segment.baseIndex();
            for (int slot = 0; slot < n; slot++) {
                int at = HEADER_BYTES + slot * ENTRY_BYTES;
                segment.sparseIndex().add(base + in.getInt(at), in.getInt(at + 4), in.getLong(at + 8));
            }
            segment.restore(in.getLong(16), in.getLong(24), in.getLong(32));
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "rebuilding index " + path, e);
            return false;
        }
    }

    private static ByteBuffer readAll(Path path, FileOpener opener) throws IOException {
        try (FileChannel channel = opener.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new IOException("index file too large: " + size);
            }
            ByteBuffer in = ByteBuffer.allocate((int) size);
            while (in.hasRemaining() && channel.read(in) >= 0) {
                // read until full or end of file
            }
            in.flip();
            return in;
        }
    }

    /** Null if {@code in} is a valid index of a segment at {@code base} of {@code fileSize} bytes. */
    private static String check(ByteBuffer in, long base, long fileSize) {
        int size = in.limit();
        if (size < HEADER_BYTES + ENTRY_BYTES + CRC_BYTES) {
            return "too short";
        }
        CRC32C crc = new CRC32C();
        crc.update(in.array(), 0, size - CRC_BYTES);
        if ((int) crc.getValue() != in.getInt(size - CRC_BYTES)) {
            return "bad crc";
        }
        if (in.getInt(0) != MAGIC || in.getInt(4) != VERSION) {
            return "unknown format";
        }
        int n = in.getInt(40);
        long lastIndex = in.getLong(16);
        long sizeBytes = in.getLong(24);
        if (in.getLong(8) != base || n < 1 || size != HEADER_BYTES + (long) n * ENTRY_BYTES + CRC_BYTES) {
            return "does not match the segment name or its own length";
        }
        if (sizeBytes != fileSize || lastIndex < base) {
            return "describes " + sizeBytes + " bytes, the segment has " + fileSize;
        }
        long previousIndex = -1;
        long previousPosition = -1;
        for (int slot = 0; slot < n; slot++) {
            int at = HEADER_BYTES + slot * ENTRY_BYTES;
            long relative = in.getInt(at);
            long position = in.getInt(at + 4);
            boolean first = slot == 0;
            if (first ? relative != 0 || position != 0 : relative <= previousIndex || position <= previousPosition) {
                return "entries out of order";
            }
            if (base + relative > lastIndex || position >= sizeBytes) {
                return "entry beyond the segment";
            }
            previousIndex = relative;
            previousPosition = position;
        }
        return null;
    }
}
