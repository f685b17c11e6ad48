package io.scalesmall.server.api;

import io.scalesmall.protocol.MembersResponse;

/**
 * Where the client listener gets the member table it answers MEMBERS with.
 *
 * <p>Called on a Netty I/O thread, once per MEMBERS request: an implementation must be cheap,
 * must not block, and must be thread-safe. The intended shape is a snapshot that the thread
 * owning the cluster state publishes (through a volatile field) whenever the table changes.
 */
@FunctionalInterface
public interface MemberSource {
    /** The member table as this node currently sees it, this node included. */
    MembersResponse members();
}
