package io.scalesmall.server.storage;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Owns the sync thread of group commit: logs ask for a sync after appending, and the thread syncs
 * every log that asked, one {@link RangeLog#sync} each, then tells the {@link SyncListener}. While
 * it syncs, new requests gather, so one fsync per log covers every batch appended meanwhile.
 *
 * <p>Requests coalesce: a log already waiting is not queued again, so the queue holds at most one
 * entry per log. The thread waits on a condition when there is nothing to do.
 *
 * <p>Thread-safety: {@link #requestSync} is safe from any thread and cheap (one CAS when the log is
 * already queued); {@link #start} and {@link #close} come from the thread that owns the agent.
 * Requests made after {@link #close} are ignored.
 */
public final class SyncAgent implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SyncAgent.class.getName());

    private final SyncListener listener;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition requested = lock.newCondition();
    private ArrayDeque<RangeLog> pending = new ArrayDeque<>();
    private ArrayDeque<RangeLog> working = new ArrayDeque<>();
    private boolean stopping;

    public SyncAgent(String name, SyncListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Asks for {@code log} to be synced soon; call after appending to it. */
    public void requestSync(RangeLog log) {
        if (!log.syncQueued.compareAndSet(false, true)) {
            return;
        }
        lock.lock();
        try {
            pending.add(log);
            requested.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Syncs what was requested before the call, then stops the thread and waits for it. */
    @Override
    public void close() {
        lock.lock();
        try {
            stopping = true;
            requested.signal();
        } finally {
            lock.unlock();
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (takeRequests()) {
            for (RangeLog log = working.poll(); log != null; log = working.poll()) {
                // Cleared before syncing: an append after this point queues the log again, and one
                // before it is covered by this sync, which reads the log's end after the clear.
                log.syncQueued.set(false);
                syncOne(log);
            }
        }
    }

    /** Waits for requests and moves them to {@code working}; false once stopping with none left. */
    private boolean takeRequests() {
        lock.lock();
        try {
            while (pending.isEmpty() && !stopping) {
                requested.awaitUninterruptibly();
            }
            if (pending.isEmpty()) {
                return false;
            }
            ArrayDeque<RangeLog> taken = pending;
            pending = working;
            working = taken;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void syncOne(RangeLog log) {
        long durableIndex;
        long startNanos = System.nanoTime();
        try {
            durableIndex = log.syncData();
        } catch (IOException | RuntimeException e) {
            notifyFailure(log, e);
            return;
        }
        listener.onSyncTimed(System.nanoTime() - startNanos);
        try {
            listener.onDurable(log, durableIndex);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "sync listener failed for " + log, e);
        }
        // After the report: a sealed segment's index file (a large write and an fsync at every
        // roll) must not delay the acknowledgements that wait for this sync.
        log.writeIndexFiles();
    }

    private void notifyFailure(RangeLog log, Exception cause) {
        try {
            listener.onSyncFailed(log, cause);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "sync listener failed for " + log, e);
        }
    }
}
