package io.scalesmall.server.storage;

import io.netty.buffer.ByteBuf;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Positional reads and writes that loop until done, and directory fsync. Stateless; thread-safe. */
final class FileIo {
    private FileIo() {}

    /** Reads {@code length} bytes at file {@code position} into {@code buf} at {@code index}. */
    static void readFully(FileChannel channel, ByteBuf buf, int index, int length, long position) throws IOException {
        ByteBuffer target = buf.nioBuffer(index, length);
        long at = position;
        while (target.hasRemaining()) {
            int n = channel.read(target, at);
            if (n < 0) {
                throw new EOFException("unexpected end of file at " + at);
            }
            at += n;
        }
    }

    /** Writes the readable bytes of {@code buf} at file {@code position}, without copying them. */
    static void writeFully(FileChannel channel, ByteBuf buf, long position) throws IOException {
        int from = buf.readerIndex();
        int length = buf.readableBytes();
        if (buf.nioBufferCount() == 1) {
            writeFully(channel, buf.nioBuffer(from, length), position);
        } else {
            long at = position;
            for (ByteBuffer part : buf.nioBuffers(from, length)) {
                at += writeFully(channel, part, at);
            }
        }
    }

    private static int writeFully(FileChannel channel, ByteBuffer source, long position) throws IOException {
        int length = source.remaining();
        long at = position;
        while (source.hasRemaining()) {
            at += channel.write(source, at);
        }
        return length;
    }

    /** Makes the entries of {@code directory} (created, renamed, deleted files) durable. */
    static void forceDirectory(Path directory) throws IOException {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
