package io.scalesmall.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link FileOpener} whose channels fail or stall on demand: a byte quota shared by all writes
 * (then "No space left on device", after a partial write like the kernel's), a gate that stalls
 * reads or fsyncs, a failing fsync, and a journal of fsyncs and opens.
 */
public final class FaultyFiles implements FileOpener {
    public static final long UNLIMITED = Long.MAX_VALUE;

    public final AtomicLong bytesLeft = new AtomicLong(UNLIMITED);
    public final AtomicReference<Gate> readGate = new AtomicReference<>();
    public final AtomicReference<Gate> forceGate = new AtomicReference<>();
    public final AtomicReference<IOException> forceFailure = new AtomicReference<>();
    public final AtomicReference<IOException> writeFailure = new AtomicReference<>();
    /** "open NAME" and "force NAME" events in order. */
    public final List<String> journal = new CopyOnWriteArrayList<>();

    /** Stalls the first operation that reaches it until opened. */
    static final class Gate {
        final CountDownLatch reached = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);

        void pass() throws IOException {
            reached.countDown();
            try {
                if (!open.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        journal.add("open " + path.getFileName());
        return new Channel(path.getFileName().toString(), FileChannel.open(path, options));
    }

    private final class Channel extends FileChannel {
        private final String name;
        private final FileChannel delegate;

        Channel(String name, FileChannel delegate) {
            this.name = name;
            this.delegate = delegate;
        }

        private ByteBuffer limitToQuota(ByteBuffer src) throws IOException {
            IOException failure = writeFailure.get();
            if (failure != null) {
                throw failure;
            }
            while (true) {
                long left = bytesLeft.get();
                if (left == UNLIMITED) {
                    return src;
                }
                if (left == 0) {
                    throw new IOException("No space left on device");
                }
                int n = (int) Math.min(left, src.remaining());
                if (bytesLeft.compareAndSet(left, left - n)) {
                    ByteBuffer part = src.duplicate();
                    part.limit(part.position() + n);
                    return part;
                }
            }
        }

        private int written(ByteBuffer src, ByteBuffer part, int n) {
            if (part != src) {
                src.position(src.position() + n);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            ByteBuffer part = limitToQuota(src);
            return written(src, part, delegate.write(part, position));
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            ByteBuffer part = limitToQuota(src);
            return written(src, part, delegate.write(part));
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            Gate gate = readGate.getAndSet(null);
            if (gate != null) {
                gate.pass();
            }
            return delegate.read(dst, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return delegate.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return delegate.read(dsts, offset, length);
        }

        @Override
        public void force(boolean metaData) throws IOException {
            Gate gate = forceGate.getAndSet(null);
            if (gate != null) {
                gate.pass();
            }
            IOException failure = forceFailure.get();
            if (failure != null) {
                throw failure;
            }
            journal.add("force " + name);
            delegate.force(metaData);
        }

        @Override
        public long position() throws IOException {
            return delegate.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            delegate.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return delegate.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            delegate.truncate(size);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return delegate.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return delegate.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return delegate.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return delegate.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            delegate.close();
        }
    }
}
