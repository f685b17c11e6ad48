package io.scalesmall.server.storage;

/**
 * Lifecycle of a {@link Segment}. Allowed transitions, all made through {@link Segment}:
 *
 * <pre>
 * ACTIVE  -&gt; SEALED   the log rolled to a new segment (owner thread)
 * SEALED  -&gt; INDEXED  fsynced and its .index file written (sync thread, or at open)
 * SEALED  -&gt; DELETED  retention (owner thread)
 * INDEXED -&gt; DELETED  retention (owner thread)
 * </pre>
 *
 * A segment recovered at open starts ACTIVE (the last one) or INDEXED. The files of a DELETED
 * segment are removed when its last reference is released.
 */
enum SegmentState {
    /** Takes appends; never has an index file. */
    ACTIVE,
    /** Full; its contents are final but maybe not yet fsynced, and it has no index file yet. */
    SEALED,
    /** Full, fsynced, with a valid index file. */
    INDEXED,
    /** Dropped from the log; files go when the last reader releases it. */
    DELETED;

    boolean canMoveTo(SegmentState next) {
        return switch (this) {
            case ACTIVE -> next == SEALED;
            case SEALED -> next == INDEXED || next == DELETED;
            case INDEXED -> next == DELETED;
            case DELETED -> false;
        };
    }
}
